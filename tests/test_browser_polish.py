"""Real-browser checks of what only a browser shows (issue 11): where a click on the emotion timeline leaves colour,
and whether the Compare models charts draw their title, legend and labels apart at 1400 × 1000.

Debian's Chromium via Playwright against `streamlit run app.py`; skipped with a reason without them. Set
SER_SCREENSHOTS=DIR to keep screenshots of each state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ser import testing

from .browser import MARKS, browser_page, snapshot, streamlit_server

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server({"SER_WARM_UP": "0"}) as url:
        yield url


@pytest.fixture()
def page(request, server: str):
    with browser_page(request, server, timeout_ms=120_000) as pg:
        yield pg


def _plot(pg, title: str):
    return pg.locator(".js-plotly-plot").filter(has_text=title).first


def _box(locator) -> dict:
    locator.wait_for()
    return locator.bounding_box()


def _apart(a: dict, b: dict) -> bool:
    return a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]


def test_a_click_on_a_timeline_segment_keeps_its_colours_and_dims_the_others(page, tmp_path: Path):
    path = testing.write_audio(tmp_path / "long.wav", testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0), gap=0.8), 16000,
                               subtype="PCM_16")
    page.get_by_test_id("stRadio").get_by_text("Upload", exact=True).click()
    page.get_by_test_id("stMain").locator('input[type="file"]').set_input_files(str(path))
    chart = _plot(page, "Emotion over time")
    chart.locator(".main-svg").first.wait_for()
    page.wait_for_timeout(500)
    chart.scroll_into_view_if_needed()
    area = _box(chart.locator(".nsewdrag").first)
    # the second segment (about 3.8–6.3 s of 15 s), low in the chart: on whichever emotion is at the bottom, not its top one
    page.mouse.click(area["x"] + area["width"] * 5.0 / 15.0, area["y"] + area["height"] * 0.95)
    page.get_by_text("This segment").first.wait_for()
    page.wait_for_timeout(800)
    styles = chart.evaluate("""(plot) => [...plot.querySelectorAll('g.trace.bars')].map(trace =>
        [...trace.querySelectorAll('path')].map(p => [getComputedStyle(p).opacity, getComputedStyle(p).fillOpacity]))""")
    *emotions, layer = styles
    assert len(emotions) == 8 and len(layer) == 4
    assert all(float(opacity) == 1 for trace in emotions for opacity, _ in trace)  # no emotion bar is greyed out
    shade = [float(fill) for _, fill in layer]
    assert shade[1] == 0 and all(s > 0.3 for i, s in enumerate(shade) if i != 1)  # the other segments are dimmed
    assert page.get_by_text("Traceback").count() == 0
    snapshot(page, "analyze-timeline-clicked", full=False)


def test_compare_models_draws_title_legend_and_labels_apart(page):
    page.get_by_test_id("stSidebarNav").get_by_text("Compare models", exact=True).click()
    headline = _plot(page, "on speakers never heard in training")
    title, legend = _box(headline.locator(".gtitle")), _box(headline.locator("g.legend"))
    assert _apart(title, legend)
    assert legend["x"] >= _box(headline.locator(".nsewdrag").first)["x"] + _box(headline.locator(".nsewdrag").first)["width"]
    folds = _plot(page, "Accuracy per fold")
    chance = _box(folds.locator("g.annotation").filter(has_text="chance").first)
    bars = folds.locator("g.trace.bars path")
    assert bars.count() >= 2 and all(_apart(chance, bars.nth(i).bounding_box()) for i in range(bars.count()))
    names = folds.locator("g.ytick text")
    assert names.count() == bars.count()  # one readable row per model, nothing squashed into rotated labels
    scroller = page.get_by_test_id("stDataFrame").first.locator(".dvn-scroller").first
    scroller.wait_for()
    width, visible = scroller.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert width <= visible + 2  # the overview's columns all fit: none hidden off to the right
    assert page.get_by_text("Traceback").count() == 0
    snapshot(page, "compare-models", full=False)
