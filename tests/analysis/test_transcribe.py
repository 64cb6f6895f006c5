"""Transcription with the bundled Whisper tiny.en, offline."""

from __future__ import annotations

import numpy as np
import pytest

import ser.analysis.transcribe as transcribe_module
from ser import testing
from ser.analysis.transcribe import Transcript, TranscriptSegment, Word, transcribe, transcribe_clip
from ser.audio.clip import load_clip
from ser.errors import ConfigError


def test_spoken_words_are_transcribed_with_times():
    y = testing.spoken("Hello world. The weather is lovely today.")
    if y is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")
    result = transcribe(y)
    assert result.language == "en"
    text = result.text.lower()
    assert sum(word in text for word in ("world", "weather", "lovely", "today")) >= 3, text  # robotic voice, tiny model
    words = result.words()
    assert words and all(0 <= w["start"] <= w["end"] <= len(y) / 16000 + 0.5 for w in words)
    last = words[-1]
    assert result.text_between(last["start"], last["end"] + 0.01) == last["text"]
    assert result.text_between(0.0, last["end"] + 1) == " ".join(w["text"] for w in words)


@pytest.mark.parametrize("samples", [np.zeros(0, np.float32), np.zeros(16000, np.float32), np.zeros(5 * 16000, np.float32),
                                     testing.noise(3.0, amplitude=0.001)], ids=["empty", "1-s-silence", "5-s-silence", "faint-hiss"])
def test_silence_and_empty_audio_give_no_text(samples):
    """No words, no segments, no text: nothing invented (Whisper is known to hallucinate on silence)."""
    result = transcribe(samples)
    assert isinstance(result, Transcript) and result.language == "en"
    assert result.text == "" and result.segments == () and result.words() == [] and result.timed_words() == []


def test_a_checked_clip_reuses_the_speech_regions_its_checks_found(monkeypatch):
    """transcribe_clip passes the clip's speech regions on, so the voice activity detector runs once."""
    y = testing.spoken("Good morning everyone. The weather is lovely today.")
    if y is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")
    clip = load_clip(testing.wav_bytes(y))
    assert clip.speech

    def no_second_pass(*_args, **_kwargs):
        raise AssertionError("speech_segments ran again")

    monkeypatch.setattr(transcribe_module, "speech_segments", no_second_pass)
    assert "morning" in transcribe_clip(clip).text.lower()
    # Regions given as empty mean "no speech": nothing is transcribed (and Whisper is not asked).
    assert transcribe(clip.samples, speech=()).text == ""


def test_text_between_uses_word_middles_and_falls_back_to_segments():
    words = (Word(0.0, 0.4, "one"), Word(0.5, 0.9, "two"), Word(1.9, 2.3, "three"))
    t = Transcript("en", (TranscriptSegment(0.0, 2.3, "one two three", words), TranscriptSegment(3.0, 5.0, "four")))
    assert t.text == "one two three four"
    assert t.text_between(0.0, 2.0) == "one two"
    assert t.text_between(2.0, 10.0) == "three four"
    assert t.to_dict()["segments"][1] == {"start": 3.0, "end": 5.0, "text": "four"}


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not a CTranslate2 Whisper model folder"):
        transcribe(np.zeros(16000, np.float32), str(tmp_path))
    with pytest.raises(ConfigError, match="never downloads"):
        transcribe(np.zeros(16000, np.float32), "no-such-whisper-model")
