"""Real-browser checks of what only a browser shows (issue 11): where a click on the emotion timeline leaves colour,
whether the Compare models charts draw their title, legend and labels apart at 1400 × 1000, and whether hands-free
recording gives back the level the microphone had.

Debian's Chromium via Playwright against `streamlit run app.py`; skipped with a reason without them. Set
SER_SCREENSHOTS=DIR to keep screenshots of each state.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
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


@pytest.fixture(scope="module")
def quiet_mic(tmp_path_factory) -> Path:
    """Speech peaking at -12 dBFS for the fake microphone (espeak-ng when installed, else a speech-like signal)."""
    folder = tmp_path_factory.mktemp("mic")
    if shutil.which("espeak-ng"):
        raw = folder / "raw.wav"
        subprocess.run(["espeak-ng", "-w", str(raw), "Hello, this is a test of the speech emotion dashboard. "
                        "I am speaking clearly and calmly."], check=True, capture_output=True)
        import soundfile as sf

        y, rate = sf.read(raw, dtype="float32")
        y = y[int(np.argmax(np.abs(y) > 0.01)):]
    else:
        y, rate = testing.speech_like(6.0, 16000, seed=4), 16000
    return testing.write_audio(folder / "speech.wav", 0.25 * y / np.abs(y).max(), rate, subtype="PCM_16")


def test_hands_free_recording_keeps_the_microphone_level(request, server: str, quiet_mic: Path):
    """audio-recorder-streamlit 0.0.10 gave the same sentence back about 11 dB louder (browser gain control on), peaking
    at 0 dBFS. The recorder now records one channel at 16 kHz with gain control off: the level is the source's."""
    from ser.audio.clip import load_clip

    source = load_clip(quiet_mic).report
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={quiet_mic}"]
    with browser_page(request, server, args, timeout_ms=120_000) as page:
        page.get_by_test_id("stRadio").get_by_text("Hands-free", exact=True).click()
        recorder = page.frame_locator('iframe[title="pages.common.hands_free_recorder"]').first
        button = recorder.get_by_role("button", name="Record")
        button.click()
        recorder.get_by_role("button", name="Stop recording").wait_for()
        page.wait_for_timeout(3500)
        recorder.get_by_role("button", name="Stop recording").click()  # the fake microphone loops: it never pauses
        page.get_by_test_id("stMetric").filter(has_text="Emotion").wait_for()

        def metric(label: str) -> float:
            value = page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue").inner_text()
            return float(value.split()[0])

        assert "16 kHz mono → analysed as 16 kHz mono" in page.get_by_test_id("stCaptionContainer").filter(
            has_text="analysed as").inner_text()
        assert abs(metric("Peak") - source.peak_dbfs) <= 1.5, (metric("Peak"), source.peak_dbfs)
        assert abs(metric("Speech level") - source.speech_dbfs) <= 1.5, (metric("Speech level"), source.speech_dbfs)
        assert page.get_by_test_id("stAlertContainer").filter(has_text="Wrap-around glitches:").count() == 0
        assert page.get_by_test_id("stAlertContainer").filter(has_text="Clipping:").count() == 0
        snapshot(page, "analyze-hands-free", full=False)
