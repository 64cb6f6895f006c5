"""Concurrent sessions against one local dashboard server (issue 5: 8 sessions × 20 clips, 0 errors,
server alive, p95 latency against the single-session figure, goal ≤ 2×).

Starts `streamlit run app.py` on loopback, then drives headless Chromium (Playwright, Debian's
/usr/bin/chromium) through the Analyze page: each session uploads its clips one after another and
waits until the emotion for that file is shown (the full page: checks, VAD, emotion, transcript,
charts). First one session alone, then N sessions at once. Clips are synthetic speech-like audio
made here (each session its own seeds, so no result comes from another session's cache). Writes
benchmarks/results/load_test.json.

    .venv/bin/python benchmarks/load_test.py --sessions 8 --clips 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ser import testing  # noqa: E402
from ser.testing import free_port  # noqa: E402

DONE_JS = """(name) => {
  const fresh = e => !e.closest('[data-stale="true"]');
  const caption = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].some(e => e.innerText.includes(name) && fresh(e));
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')].some(e => e.innerText.includes('Emotion') && fresh(e));
  const failed = document.querySelector('[data-testid="stException"]') !== null;
  return failed ? 'exception' : (caption && metric ? 'ok' : false);
}"""



def _healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=5).read() == b"ok"
    except OSError:
        return False


async def session(browser, url: str, clips: list[Path], timeout_s: float) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    latencies, errors = [], []
    try:
        await page.goto(url)
        await page.get_by_test_id("stRadio").get_by_text("Upload", exact=True).click()
        uploader = page.get_by_test_id("stMain").locator('input[type="file"]')
        for clip in clips:
            t = time.perf_counter()
            await uploader.set_input_files(str(clip))
            try:
                handle = await page.wait_for_function(DONE_JS, arg=clip.name, timeout=timeout_s * 1000, polling=50)
                state = await handle.json_value()
            except Exception as exc:  # noqa: BLE001 - counted and reported
                state = f"timeout ({type(exc).__name__})"
            if state == "ok":
                latencies.append(time.perf_counter() - t)
            else:
                errors.append(f"{clip.name}: {state}")
    except Exception as exc:  # noqa: BLE001
        errors.append(f"session: {exc}")
    finally:
        await context.close()
    return {"latencies": latencies, "errors": errors}


async def run_sessions(url: str, chromium: str, clip_sets: list[list[Path]], timeout_s: float) -> tuple[list[dict], float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--no-first-run"])
        t = time.perf_counter()
        results = await asyncio.gather(*(session(browser, url, clips, timeout_s) for clips in clip_sets))
        wall = time.perf_counter() - t
        await browser.close()
    return results, wall


def _summary(results: list[dict], wall: float) -> dict:
    latencies = np.array([x for r in results for x in r["latencies"]]) * 1000
    return {"sessions": len(results), "analyses": int(latencies.size), "errors": [e for r in results for e in r["errors"]],
            "median_ms": round(float(np.median(latencies)), 0) if latencies.size else None,
            "p95_ms": round(float(np.percentile(latencies, 95)), 0) if latencies.size else None, "wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one analysis may take before it counts as an error")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load_test.json")
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not _healthy(url):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        with tempfile.TemporaryDirectory() as folder:
            def clips(session_id: int) -> list[Path]:
                return [testing.write_audio(Path(folder) / f"s{session_id:02d}-clip{i:02d}.wav",
                                            testing.speech_like(float(np.random.default_rng(1000 * session_id + i).uniform(2.5, 3.5)),
                                                                seed=1000 * session_id + i), 16000, subtype="PCM_16")
                        for i in range(args.clips)]

            # warm the server (models load on first use) with a session that is not measured
            asyncio.run(run_sessions(url, args.chromium, [clips(99)[:2]], args.timeout))
            single, wall1 = asyncio.run(run_sessions(url, args.chromium, [clips(0)], args.timeout))
            many, wall_n = asyncio.run(run_sessions(url, args.chromium, [clips(s + 1) for s in range(args.sessions)], args.timeout))
        alive = _healthy(url) and server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=20)
    one, several = _summary(single, wall1), _summary(many, wall_n)
    ratio = round(several["p95_ms"] / one["p95_ms"], 2) if one["p95_ms"] and several["p95_ms"] else None
    result = {"single_session": one, "concurrent": several, "p95_ratio": ratio, "server_alive_after": alive,
              "command": f"python benchmarks/load_test.py --sessions {args.sessions} --clips {args.clips}"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if several["errors"] or one["errors"] or not alive:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
