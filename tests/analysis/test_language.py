"""The transcript says the language: Whisper base detects it, English goes to tiny.en, the rest to base."""

from __future__ import annotations

import numpy as np
import pytest

from ser import testing
from ser.analysis import transcribe as tr
from ser.audio.whisper import BASE, BUNDLED


def _speech(text: str, voice: str) -> np.ndarray:
    y = testing.spoken(text, voice=voice)
    if y is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")
    return y


def test_polish_speech_is_transcribed_by_base_in_polish(monkeypatch):
    used = []
    real = tr.load_whisper
    monkeypatch.setattr(tr, "load_whisper", lambda spec=None, *a: used.append(spec) or real(spec, *a))
    y = _speech("Dzień dobry. Dzisiaj jest bardzo ładna pogoda.", "pl")
    result = tr.transcribe(y)
    assert result.language == "pl" and result.language_probability > 0.5
    assert used[-1] == BASE
    assert any(word in result.text.lower() for word in ("dzień", "dobry", "dzisiaj", "bardzo", "pogoda")), result.text
    assert result.to_dict()["language_name"] == "Polish"


def test_english_speech_is_detected_and_goes_to_the_faster_english_model(monkeypatch):
    used = []
    real = tr.load_whisper
    monkeypatch.setattr(tr, "load_whisper", lambda spec=None, *a: used.append(spec) or real(spec, *a))
    result = tr.transcribe(_speech("Good morning. The weather is lovely today.", "en"))
    assert result.language == "en" and result.language_probability > 0.5
    assert used == [BASE, BUNDLED]  # base only told the language
    assert "weather" in result.text.lower()


def test_a_configured_model_does_everything_and_claims_no_detection(monkeypatch):
    monkeypatch.setenv(tr.ENV_MODEL, BUNDLED)
    result = tr.transcribe(_speech("The weather is lovely today.", "en"))
    assert result.language == "en" and result.language_probability is None


def test_token_cap_grows_with_the_audio_up_to_whispers_limit():
    assert tr._token_cap(1.0) < tr._token_cap(10.0) < tr._token_cap(60.0) == 224
    assert tr.language_name("pl") == "Polish" and tr.language_name("xx") == "xx"
