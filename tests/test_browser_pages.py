"""Real-browser tests of the Compare models and Explore data pages (Debian's Chromium via Playwright).

The server reads the real corpora when ``../shared/data/corpora`` (or ``$SER_DATA_DIR``) exists and a
small synthetic RAVDESS-named corpus otherwise. Skipped with a reason without Chromium or Playwright.
Set SER_SCREENSHOTS=DIR to save screenshots of each page state there (viewport 1400 × 1000, like
``assets/``); failures are screenshotted to a temp folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ser import testing

from .conftest import PROJECT_ROOT, data_dir

CHROMIUM = os.environ.get("SER_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

FAILURES = Path(tempfile.gettempdir()) / "ser-browser-failures"
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    real = data_dir()
    if real.is_dir():
        return real
    return testing.write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), actors=4, emotions=("neutral", "happy", "angry"), clips=2)


@pytest.fixture(scope="module")
def server(corpus: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "SER_DATA_DIR": str(corpus)}
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"streamlit did not become healthy:\n{out}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture()
def page(request, server: str):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--no-first-run", "--disable-sync",
                                                                    "--disable-background-networking", "--disable-component-update"])
        context = browser.new_context(viewport=VIEWPORT)
        pg = context.new_page()
        pg.set_default_timeout(90_000)
        pg.goto(server)
        pg.get_by_test_id("stAppViewContainer").wait_for()
        yield pg
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            FAILURES.mkdir(exist_ok=True)
            shot = FAILURES / f"{request.node.name}.png"
            pg.screenshot(path=str(shot))
            print(f"screenshot of the failure: {shot}")
        browser.close()


def _snapshot(pg, name: str) -> None:
    folder = os.environ.get("SER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.wait_for_timeout(500)
        pg.screenshot(path=str(Path(folder) / f"{name}.png"))


def _open(pg, title: str) -> None:
    """Switch page through the sidebar navigation and wait for the page's title and for the script to finish."""
    pg.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    pg.get_by_test_id("stHeading").filter(has_text=title.split()[0]).first.wait_for()
    _settle(pg)


def _settle(pg) -> None:
    pg.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
    pg.wait_for_timeout(300)


def _scroll_to(pg, locator, block: str = "start") -> None:
    locator.scroll_into_view_if_needed()
    pg.evaluate(f"(el) => el.scrollIntoView({{block: '{block}'}})", locator.element_handle())
    pg.wait_for_timeout(400)


def test_compare_models_shows_a_confusion_matrix(page):
    _open(page, "Compare models")
    assert page.get_by_text("Traceback").count() == 0
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    _snapshot(page, "compare-overview")
    detail = page.get_by_test_id("stHeading").filter(has_text="One protocol in detail")
    page.locator(".js-plotly-plot").filter(has_text="F1 per emotion").first.wait_for()
    _scroll_to(page, detail)
    _snapshot(page, "compare-detail")

    page.get_by_role("tab", name="Confusion matrices").click()
    matrix = page.locator(".js-plotly-plot").filter(has_text="all folds summed").first
    matrix.locator(".heatmaplayer image, .heatmaplayer rect").first.wait_for(state="attached")
    assert matrix.get_by_text("predicted").count() >= 1
    _scroll_to(page, page.get_by_test_id("stTabs").first)
    _snapshot(page, "compare-confusion")

    page.get_by_role("tab", name="Training curves").click()
    page.locator(".js-plotly-plot").filter(has_text="epoch").first.wait_for()
    _scroll_to(page, page.get_by_test_id("stTabs").first)
    _snapshot(page, "compare-curves")

    page.get_by_role("tab", name="Model cards").click()
    page.get_by_text("manifest sha256").first.wait_for()
    _snapshot(page, "compare-cards")
    assert page.get_by_test_id("stException").count() == 0


def test_explore_data_shows_the_corpus(page):
    _open(page, "Explore data")
    page.get_by_test_id("stMetric").filter(has_text="Speakers").wait_for()
    page.locator(".js-plotly-plot").filter(has_text="Clips per emotion").first.wait_for()
    page.locator(".js-plotly-plot").filter(has_text="Clips per speaker").first.wait_for()
    assert page.get_by_test_id("stException").count() == 0
    _snapshot(page, "explore-data")

    page.get_by_test_id("stAudio").nth(1).wait_for()
    _scroll_to(page, page.get_by_test_id("stHeading").filter(has_text="What each emotion sounds like"))
    _snapshot(page, "explore-examples")

    page.locator(".js-plotly-plot").filter(has_text="Median pitch").first.wait_for()
    _scroll_to(page, page.get_by_test_id("stExpander").filter(has_text="Medians per dataset and emotion"), block="end")
    _snapshot(page, "explore-features")


def test_explore_data_with_a_bad_folder(page, tmp_path):
    _open(page, "Explore data")
    field = page.get_by_test_id("stSidebar").get_by_test_id("stTextInput").locator("input")
    field.fill(str(tmp_path / "nowhere"))
    field.press("Enter")
    page.get_by_test_id("stAlertContainer").filter(has_text="Nothing exists at").wait_for()
    assert page.get_by_text("SER_DATA_DIR").count() >= 1
    assert page.get_by_test_id("stException").count() == 0
