"""Real-browser tests of the Compare models and Explore data pages (Debian's Chromium via Playwright).

The server reads the real corpora when ``../shared/data/corpora`` (or ``$SER_DATA_DIR``) exists and a
small synthetic RAVDESS-named corpus otherwise. Skipped with a reason without Chromium or Playwright.
Set SER_SCREENSHOTS=DIR to save screenshots of each page state there (viewport 1400 × 1000, like
``assets/``); failures are screenshotted to a temp folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ser import testing

from .browser import MARKS, browser_page, snapshot, streamlit_server
from .conftest import data_dir

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    real = data_dir()
    if real.is_dir():
        return real
    return testing.write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), actors=4, emotions=("neutral", "happy", "angry"), clips=2)


@pytest.fixture(scope="module")
def server(corpus: Path) -> Iterator[str]:
    with streamlit_server({"SER_DATA_DIR": str(corpus)}) as url:
        yield url


@pytest.fixture()
def page(request, server: str):
    with browser_page(request, server, timeout_ms=90_000) as pg:
        yield pg


def _snapshot(pg, name: str) -> None:
    snapshot(pg, name, full=False)


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
