"""Real-browser tests: Debian's Chromium driven by Playwright against `streamlit run app.py`.

The fake microphone plays a WAV this test makes (espeak-ng speech when installed, else a
synthetic speech-like signal). Skipped with a reason when Chromium or Playwright is missing;
`.ci/run` installs Chromium so CI runs them. Screenshots of failures go to a temp folder (path
printed); set SER_SCREENSHOTS=DIR to also save a screenshot of each page state there.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ser import testing

from .browser import MARKS, browser_page, snapshot, streamlit_server
from .ci_strict import have

pytestmark = MARKS
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def mic_wav(tmp_path_factory) -> Path:
    """16-bit PCM speech for the fake microphone, starting with speech."""
    path = tmp_path_factory.mktemp("mic") / "speech.wav"
    if have("espeak-ng"):
        raw = path.with_name("raw.wav")
        text = "Hello, this is a test of the speech emotion dashboard. I am speaking clearly and calmly."
        subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
        import soundfile as sf

        data, rate = sf.read(raw, dtype="float32")
        start = int(np.argmax(np.abs(data) > 0.01))
        testing.write_audio(path, data[start:], rate, subtype="PCM_16")
    else:
        testing.write_audio(path, testing.speech_like(6.0, 16000, seed=4), 16000, subtype="PCM_16")
    return path


@pytest.fixture()
def page(request, mic_wav: Path, server: str):
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={mic_wav}"]
    with browser_page(request, server, args) as pg:
        yield pg


def _wait_for_charts(pg) -> None:
    """Wait until the emotion bars and the visible feature chart have been drawn by Plotly."""
    pg.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    pg.wait_for_timeout(300)


def _metric(pg, label: str) -> str:
    metric = pg.get_by_test_id("stMetric").filter(has_text=label).first
    return metric.get_by_test_id("stMetricValue").inner_text()


def _upload(pg, path: Path) -> None:
    pg.get_by_test_id("stRadio").get_by_text("Upload", exact=True).click()
    pg.get_by_test_id("stMain").locator('input[type="file"]').set_input_files(str(path))


def test_record_with_the_microphone(page):
    from playwright.sync_api import expect

    audio_input = page.get_by_test_id("stMain").get_by_test_id("stAudioInput")
    audio_input.get_by_role("button", name="Record", exact=True).click()
    stop = audio_input.get_by_role("button", name="Stop recording")
    stop.wait_for()
    clock = audio_input.get_by_test_id("stAudioInputWaveformTimeCode")  # the recorder's own mm:ss counter
    expect(clock).to_have_text(re.compile(r"00:0[3-9]"), timeout=60_000)  # wait for 3 s recorded, however busy the machine
    stop.click()
    page.get_by_test_id("stMetric").first.wait_for()
    seconds = float(_metric(page, "Duration").split()[0])
    minutes, whole = clock.inner_text().split(":")  # after stopping it shows the recording's length
    assert abs(seconds - (60 * int(minutes) + int(whole))) < 1.0, (seconds, clock.inner_text())
    assert "16 kHz mono → analysed" in page.get_by_test_id("stCaptionContainer").filter(has_text="analysed as").inner_text()
    assert page.get_by_test_id("stAlertContainer").filter(has_text="not an audio").count() == 0
    transcript = page.get_by_test_id("stMarkdownContainer").locator("blockquote").first
    transcript.wait_for()
    if have("espeak-ng"):  # the fake microphone plays real (robotic) speech: some words must come through
        words = transcript.inner_text().lower()
        assert any(w in words for w in ("hello", "this", "test", "speech")), words
    _wait_for_charts(page)
    snapshot(page, "analyze-recording")


def test_upload_a_stereo_mp3(page, tmp_path):
    stereo = np.stack([testing.speech_like(2.5, 44100, seed=7)] * 2, axis=1)
    path = testing.write_audio(tmp_path / "upload.mp3", stereo, 44100)
    _upload(page, path)
    page.get_by_test_id("stMetric").filter(has_text="Emotion").wait_for()
    assert "44.1 kHz stereo" in page.get_by_test_id("stCaptionContainer").filter(has_text="upload.mp3").inner_text()
    # what the user reads is what the library says about the same file with the default model
    from ser.analysis.result import analyze_clip
    from ser.audio.clip import load_clip
    from ser.models.predictor import Predictor

    clip = load_clip(path)
    expected = analyze_clip(clip, Predictor(), file=str(path))
    assert _metric(page, "Duration") == f"{clip.report.duration_s:.2f} s"
    assert _metric(page, "Emotion") == expected.emotion.capitalize() + ("?" if expected.uncertain else "")
    delta = page.get_by_test_id("stMetric").filter(has_text="Emotion").first.get_by_test_id("stMetricDelta").inner_text()
    assert delta == f"{100 * expected.confidence:.0f} % confidence"
    page.get_by_role("tab", name="Spectrogram").click()
    _wait_for_charts(page)
    snapshot(page, "analyze-upload")


def test_bad_upload_shows_a_message(page, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all\n" * 50)
    _upload(page, bad)
    alert = page.get_by_test_id("stAlertContainer").filter(has_text="not an audio file")
    alert.wait_for()
    assert page.get_by_text("Traceback").count() == 0


def test_long_upload_shows_the_timeline(page, tmp_path):
    spoken = testing.spoken(
        "Good morning everyone. Today I want to tell you about our results. They were much better than expected. "
        "However, the second half was difficult. We lost two customers, and that made me very sad. "
        "But I am confident that next year will be great."
    )
    y = spoken if spoken is not None else testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0, 3.0))
    path = testing.write_audio(tmp_path / "long.wav", y, 16000, subtype="PCM_16")
    _upload(page, path)
    page.get_by_role("heading", name="Emotion timeline").wait_for()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6")
    bars = page.locator(".js-plotly-plot").nth(1).locator("g.trace.bars")
    assert bars.count() == 9  # the timeline: one stacked trace per emotion and the clickable segment layer
    assert page.get_by_text("Traceback").count() == 0
    page.get_by_role("button", name="Download CSV").wait_for()
    page.wait_for_timeout(300)
    snapshot(page, "analyze-timeline")


def test_hands_free_recorder(page):
    page.get_by_test_id("stRadio").get_by_text("Hands-free", exact=True).click()
    recorder = page.frame_locator('iframe[title="pages.common.hands_free_recorder"]').first
    icon = recorder.locator("svg").first
    icon.click()
    started = page.evaluate("performance.now()")  # the browser's clock: the recording cannot outlast the clicks
    page.wait_for_function(f"performance.now() - {started} > 3000")  # a condition on that clock, not a sleep of the test's
    icon.click()  # stop by hand: the fake microphone loops its file, so it never pauses long enough
    between = (page.evaluate("performance.now()") - started) / 1000
    page.get_by_test_id("stMetric").filter(has_text="Emotion").wait_for()
    # the recorder gives one channel at 16 kHz (tests/test_browser_polish.py checks that it keeps the level)
    assert "16 kHz mono → analysed as 16 kHz mono" in page.get_by_test_id("stCaptionContainer").filter(has_text="analysed as").inner_text()
    seconds = float(_metric(page, "Duration").split()[0])
    assert 0.5 <= seconds <= between + 0.5, (seconds, between)  # speech was recorded, and no more than was played


def test_batch_page(page, tmp_path):
    import zipfile

    files = [testing.write_audio(tmp_path / f"take{i}.wav", testing.speech_like(2.5, seed=20 + i), 16000, subtype="PCM_16")
             for i in range(3)]
    archive = tmp_path / "more takes.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(testing.write_audio(tmp_path / "inner.flac", testing.speech_like(3.0, 44100, seed=30), 44100), "inner.flac")
        z.writestr("notes.txt", "not audio")
    page.get_by_role("link", name="Batch").click()
    page.get_by_role("heading", name="Batch").wait_for()
    page.get_by_test_id("stMain").locator('input[type="file"]').set_input_files([str(f) for f in files] + [str(archive)])
    page.get_by_test_id("stMetric").filter(has_text="Classified").wait_for()
    assert _metric(page, "Classified") == "4" and _metric(page, "Could not be used") == "1"
    page.get_by_test_id("stDataFrame").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    page.wait_for_timeout(500)
    snapshot(page, "batch")
