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
from playwright.sync_api import expect

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


def _chart_data(pg, locator) -> list[dict]:
    """The traces Plotly drew in a chart (``_fullData``: its data with the binary arrays decoded), as names and numbers."""
    return pg.evaluate("el => el._fullData.map(t => ({name: t.name ?? null, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),"
                       " z: t.z ? Array.from(t.z, r => Array.from(r)) : null}))", locator.element_handle())


def test_compare_models_shows_a_confusion_matrix(page):
    from ser.reports import model_report as mr

    reports, _ = mr.load_reports()
    _open(page, "Compare models")
    assert page.get_by_text("Traceback").count() == 0
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    # the overview chart shows every installed model's stored UAR under every protocol
    expected = mr.headline_figures(reports, "uar")
    for _ in range(30):  # the chart may be redrawn once while the page's script finishes (a 2-core machine is slow)
        traces = _chart_data(page, page.locator(".js-plotly-plot").first)
        numbers = [v for t in traces for v in t["x"] + t["y"] if isinstance(v, int | float)]
        if all(any(abs(n - v) < 1e-6 for n in numbers) for v in expected["value"]):
            break
        page.wait_for_timeout(1000)
    shown = {v for t in traces for v in [t["name"], *t["x"], *t["y"]] if isinstance(v, str)}
    assert {r.label for r in reports} <= shown, shown
    missing = [v for v in expected["value"] if not any(abs(n - v) < 1e-6 for n in numbers)]
    assert len(expected) > 0 and not missing, missing
    _snapshot(page, "compare-overview")
    detail = page.get_by_test_id("stHeading").filter(has_text="One protocol in detail")
    page.locator(".js-plotly-plot").filter(has_text="F1 per emotion").first.wait_for()
    _scroll_to(page, detail)
    _snapshot(page, "compare-detail")

    page.get_by_role("tab", name="Confusion matrices").click()
    matrix = page.locator(".js-plotly-plot").filter(has_text="all folds summed").first
    matrix.locator(".heatmaplayer image, .heatmaplayer rect").first.wait_for(state="attached")
    assert matrix.get_by_text("predicted").count() >= 1
    # the first protocol's matrices of the first two models: clip counts and accuracy as stored
    protocol = mr.protocols(reports)[0]
    variant = mr.variants(reports, protocol)[0]
    for report in [r for r in reports if mr.confusion_matrix(r, protocol, variant) is not None][:2]:
        counts = mr.confusion_matrix(report, protocol, variant).counts
        n, accuracy = int(counts.sum()), 100 * counts.trace() / counts.sum()
        title = f"{report.label} · all folds summed · {n} clips · accuracy {accuracy:.1f} %"
        # each matrix is a chart of its own, drawn one after another: wait for it (a 2-core machine is slow)
        expect(page.locator(".js-plotly-plot").filter(has_text=title)).to_have_count(1, timeout=30_000)
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


def _metric(pg, label: str) -> str:
    return pg.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue").inner_text()


def test_explore_data_shows_the_corpus(page, corpus):
    from collections import Counter

    from ser.reports import explore

    rows = explore.load_source(str(corpus)).rows
    _open(page, "Explore data")
    page.get_by_test_id("stMetric").filter(has_text="Speakers").wait_for()
    per_emotion = page.locator(".js-plotly-plot").filter(has_text="Clips per emotion").first
    per_emotion.wait_for()
    page.locator(".js-plotly-plot").filter(has_text="Clips per speaker").first.wait_for()
    assert page.get_by_test_id("stException").count() == 0
    # the counts a user reads: clips, speakers, datasets, and the bars of clips per emotion
    assert _metric(page, "Clips") == f"{len(rows):,}"
    assert _metric(page, "Speakers") == str(len({(r.dataset, r.speaker) for r in rows}))
    assert _metric(page, "Datasets") == str(len({r.dataset for r in rows}))
    totals: Counter = Counter()  # clips per emotion bar, summed over the datasets stacked in it
    for t in _chart_data(page, per_emotion):
        categories, values = (t["x"], t["y"]) if t["y"] and isinstance(t["y"][0], int | float) else (t["y"], t["x"])
        for category, value in zip(categories, values, strict=True):
            totals[category] += value
    assert sorted(totals.values()) == sorted(Counter(r.emotion for r in rows).values()), totals
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
    # the how-to arrives as the next element of the same run: wait for it rather than count at once (CI raced it)
    page.get_by_test_id("stAlertContainer").filter(has_text="SER_DATA_DIR").wait_for()
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.parametrize("address", ["batch", "compare_models"])
def test_a_page_opened_first_by_its_address_runs_inside_the_app(request, address):
    """The first session of a fresh server opening /batch used to run pages/batch.py on its own (Streamlit's
    old pages-folder mode): a sidebar listing every file in pages/ (app, common, …) and a narrow layout."""
    with streamlit_server({"SER_WARM_UP": "0"}) as url, browser_page(request, f"{url}/{address}") as pg:
        nav = pg.get_by_test_id("stSidebarNav")
        nav.get_by_text("Explore data", exact=True).wait_for()  # after the rerun (the old list says "explore data")
        links = [t.strip() for t in nav.get_by_role("link").all_inner_texts()]
        assert [t.splitlines()[-1].strip() for t in links] == ["Analyze", "Batch", "Compare models", "Explore data"], links
        assert pg.locator("h1").first.inner_text() == {"batch": "Batch", "compare_models": "Compare models"}[address]
        assert pg.get_by_test_id("stMainBlockContainer").bounding_box()["width"] > 800  # the app's wide layout (centered: 736 px)
