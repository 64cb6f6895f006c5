"""Time to the first chart of the Compare models page, as a user sees it (issue 11, point 7).

Starts `streamlit run app.py` fresh (warm-up off, so TensorFlow loading does not compete for the
CPU), then, --visits times and each time in a new browser session, opens the dashboard (Analyze) in
Debian's Chromium (Playwright) and clicks "Compare models" in the sidebar, as a user does: the first
visit is the first one after the server started, the later ones find whatever the server cached.
For each visit it measures from the click to
  - title: the page's title is shown;
  - first_chart: the first Plotly chart has been drawn;
  - all_charts: every chart of the Overview tab has been drawn and the script has finished.
Writes benchmarks/results/compare_page.json (with --label, under that name).

    .venv/bin/python benchmarks/compare_page.py --visits 3 --label after
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SER_CHROMIUM", "/usr/bin/chromium")
OVERVIEW_CHARTS = 3  # headline, accuracy per fold, F1 per emotion


def serve(port: int, root: Path = ROOT) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, "SER_WARM_UP": "0"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("streamlit did not start")


def visit(browser, url: str) -> dict[str, float]:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.get_by_test_id("stHeading").filter(has_text="Analyze").first.wait_for()
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
    start = time.monotonic()
    page.get_by_test_id("stSidebarNav").get_by_text("Compare models", exact=True).click()
    page.get_by_test_id("stHeading").filter(has_text="Compare models").first.wait_for()
    title = time.monotonic() - start
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    first = time.monotonic() - start
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {OVERVIEW_CHARTS}"
                           " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    every = time.monotonic() - start
    page.context.close()
    return {"title_s": round(title, 2), "first_chart_s": round(first, 2), "all_charts_s": round(every, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--port", type=int, default=8591)
    parser.add_argument("--label", default="")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project to serve (e.g. an export of an older commit)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    proc = serve(args.port, args.root)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--no-first-run"])
            visits = []
            for i in range(args.visits):
                visits.append(visit(browser, f"http://127.0.0.1:{args.port}"))
                print(f"visit {i + 1}: {visits[-1]}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    out = ROOT / "benchmarks" / "results" / f"compare_page{'-' + args.label if args.label else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"visits": visits, "cpu_count": os.cpu_count(), "root": str(args.root)}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
