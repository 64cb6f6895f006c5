"""AppTest: every page renders without exceptions; the Analyze page handles good and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ser import testing

from .conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_analyze_page_renders_empty():
    at = _app()
    assert at.title[0].value.startswith("Analyze")
    assert len(at.audio_input) == 1
    assert not at.error


def test_recording_is_analysed(speech_wav):
    at = _app()
    at.audio_input[0].set_value(("clip.wav", speech_wav, "audio/wav")).run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    assert labels["Duration"] == "3.00 s"
    assert any("16 kHz mono → analysed" in c.value for c in at.caption)
    assert at.success  # no quality warnings for clean audio
    assert labels["Emotion"].rstrip("?").lower() in {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"}
    bars = [json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")]
    probabilities = [b for b in bars if b.get("type") == "bar"][0]
    assert len(probabilities["x"]) == 8 and sum(probabilities["x"]) == pytest.approx(100.0, abs=0.01)


def test_upload_of_another_format(tmp_path):
    stereo = np.stack([testing.speech_like(2.0, 44100, seed=2)] * 2, axis=1)
    data = testing.write_audio(tmp_path / "song.mp3", stereo, 44100).read_bytes()
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("song.mp3", data, "audio/mpeg").run()
    assert not at.exception and not at.error
    assert any("MP3" in c.value and "44.1 kHz stereo" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("notes.wav", b"this is text, not audio" * 10, "not an audio file"),
        ("blip.wav", testing.wav_bytes(testing.speech_like(0.1)), "at least 0.5 s"),
        ("quiet.wav", testing.wav_bytes(np.zeros(32000, np.float32)), "silent"),
    ],
)
def test_bad_input_shows_a_message(name, data, expected):
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload(name, data, "audio/wav").run()
    assert not at.exception
    assert len(at.error) == 1 and expected in at.error[0].value


def test_clipped_recording_warns(speech):
    at = _app()
    loud = testing.wav_bytes(np.clip(speech * 8, -1, 1))
    at.audio_input[0].set_value(("loud.wav", loud, "audio/wav")).run()
    assert not at.exception
    assert any("Clipping" in w.value for w in at.warning)
