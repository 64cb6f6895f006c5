"""Start-up time of the dashboard, as a user sees it (issue 4 goals: ≤ 5 s to an interactive
Analyze page, ≤ 8 s to the first result).

Starts `streamlit run app.py` fresh, opens it in Debian's Chromium (Playwright), and measures from
the moment the process is started:
  - health: the server answers /_stcore/health;
  - interactive: the Analyze page shows its recorder (st.audio_input) and the upload choice;
  - first_result: after uploading a 3 s clip (synthetic speech-like, made here), the emotion appears
    (this includes loading TensorFlow, the Whisper encoder and the model on the first request).
Repeats --runs times (a new server each time) and writes benchmarks/results/startup.json.

    .venv/bin/python benchmarks/startup.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ser import testing  # noqa: E402
from ser.testing import free_port  # noqa: E402


def one_run(chromium: str, clip: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.05)
            health = time.perf_counter() - t0
            page.goto(url)
            page.get_by_test_id("stMain").get_by_test_id("stAudioInput").wait_for()
            page.get_by_test_id("stRadio").get_by_text("Upload", exact=True).wait_for()
            interactive = time.perf_counter() - t0
            page.get_by_test_id("stRadio").get_by_text("Upload", exact=True).click()
            page.get_by_test_id("stMain").locator('input[type="file"]').set_input_files(str(clip))
            t_upload = time.perf_counter()
            page.get_by_test_id("stMetric").filter(has_text="Emotion").wait_for()
            first_result = time.perf_counter() - t0
            return {"health_s": round(health, 2), "interactive_s": round(interactive, 2),
                    "first_result_s": round(first_result, 2), "upload_to_result_s": round(time.perf_counter() - t_upload, 2)}
        finally:
            browser.close()
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "startup.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        clip = testing.write_audio(Path(folder) / "clip.wav", testing.speech_like(3.0, seed=1), 16000, subtype="PCM_16")
        runs = []
        for i in range(args.runs):
            runs.append(one_run(args.chromium, clip))
            print(f"run {i + 1}: {runs[-1]}", flush=True)
    summary = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    result = {"runs": runs, "median": summary, "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
              "command": "python benchmarks/startup.py --runs %d" % args.runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("median:", json.dumps(summary))


if __name__ == "__main__":
    main()
