"""Validation errors and the quality report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser import testing
from ser.audio.checks import percent
from ser.audio.clip import Limits, load_clip
from ser.errors import ConfigError, NonFiniteAudioError, SilentAudioError, TooShortError


def _clip(samples: np.ndarray, subtype: str = "PCM_16", **limits):
    return load_clip(testing.wav_bytes(samples, subtype=subtype), Limits(**limits), name="clip.wav")


def _wrap_int16(x: np.ndarray) -> np.ndarray:
    """What a recorder that does not limit samples above full scale produces."""
    ints = np.round(x * 32767).astype(np.int64)
    return (((ints + 32768) % 65536) - 32768).astype(np.float32) / 32768


def test_clean_speech_has_no_warnings(speech):
    clip = _clip(speech)
    r = clip.report
    assert clip.sample_rate == 16000 and clip.duration == pytest.approx(3.0)
    assert r.warnings == ()
    assert r.peak_dbfs == pytest.approx(20 * np.log10(0.3), abs=0.1)
    assert -30 < r.rms_dbfs < r.peak_dbfs
    assert 0.4 < r.speech_fraction <= 1.0
    assert r.clipped_fraction == 0 and r.wraparound_count == 0
    json.dumps(r.to_dict())  # serialisable as is


@pytest.mark.parametrize("seconds", [0.0005, 0.1, 0.49])
def test_too_short(speech, seconds):
    with pytest.raises(TooShortError, match="at least 0.5 s"):
        _clip(speech[: int(seconds * 16000)])


def test_minimum_is_configurable(speech):
    assert _clip(speech[:1600], min_seconds=0.05).duration == pytest.approx(0.1)
    assert _clip(speech[:8000]).duration == pytest.approx(0.5)


@pytest.mark.parametrize(
    "samples",
    [np.zeros(32000, np.float32), np.full(32000, 0.25, np.float32), testing.noise(2.0, amplitude=1e-4)],
    ids=["digital-silence", "dc-only", "hiss-at-minus-80-dBFS"],
)
def test_silent(samples):
    with pytest.raises(SilentAudioError):
        _clip(samples)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_float_wav(speech, bad):
    x = speech.copy()
    x[1000:1010] = bad
    with pytest.raises(NonFiniteAudioError, match="10 NaN or infinite"):
        _clip(x, subtype="FLOAT")


def test_clipping_is_a_warning(speech):
    r = _clip(np.clip(speech * 8, -1, 1)).report
    assert r.clipped_fraction > 0.01
    assert any(w.startswith("Clipping") for w in r.warnings)


def test_wraparound_is_a_warning(speech):
    r = _clip(_wrap_int16(speech * 4)).report
    assert r.wraparound_count > 5
    assert any(w.startswith("Wrap-around") for w in r.warnings)


def test_quiet_speech_warns(speech):
    r = _clip(speech * 0.01).report  # peak about -50 dBFS
    assert any(w.startswith("Very quiet") for w in r.warnings)


def test_mostly_silence_warns(speech):
    x = np.concatenate([speech[:12000], np.zeros(16000 * 6, np.float32)])
    r = _clip(x).report
    assert r.speech_fraction < 0.2
    [warning] = [w for w in r.warnings if w.startswith("Mostly silence")]
    assert f"speech fills only {percent(r.speech_fraction)} of the audio" in warning  # the metric's own rounding


@pytest.mark.parametrize(("fraction", "shown"), [(0.045, "5 %"), (0.0449, "4 %"), (0.125, "13 %"), (0.0, "0 %"), (1.0, "100 %")])
def test_percent_rounds_half_up(fraction, shown):
    """The Analyze page's metric, the CLI and the warning all format the fraction with this one function
    (Python's own format gave "4" for 4.5 and "5" for 4.502: the metric said 4 %, the warning 5%)."""
    assert percent(fraction) == shown


def test_a_voice_rising_to_a_high_pitch_is_speech_throughout():
    """A sentence that starts at a normal pitch and rises to 420 Hz, loud and clean (like a shouted
    RAVDESS line): Silero v6 catches the onset and then drops the rest (speech fraction 24 %, "Mostly
    silence"). Grown through the continuing sound, the speech is the whole 2.6 s of voice."""
    silence = np.zeros(16000, np.float32)
    onset = testing.speech_like(0.4, f0=160, seed=2, pause_fraction=0.0, level=0.5)
    raised = testing.speech_like(2.2, f0=420, seed=2, pause_fraction=0.0, level=0.8)
    clip = _clip(np.concatenate([silence, onset, raised, silence]))
    voice = 2.6 / clip.duration
    assert clip.report.speech_fraction == pytest.approx(voice, abs=0.04)
    assert not any(w.startswith(("Mostly silence", "No speech")) for w in clip.report.warnings)
    [(start, end)] = clip.speech
    assert start / 16000 == pytest.approx(1.0, abs=0.1) and end / 16000 == pytest.approx(3.6, abs=0.1)


@pytest.mark.parametrize("other", ["tone", "chord"])
def test_speech_is_not_grown_into_a_tone_that_follows_it(other):
    """The growth stops where Silero rules speech out: speech followed at once by 3 s of a tone or chord."""
    speech = testing.speech_like(1.5, f0=140, seed=1, pause_fraction=0.0, level=0.5)
    sound = testing.tone(3.0, amplitude=0.3) if other == "tone" else sum(testing.tone(3.0, freq=f, amplitude=0.1) for f in (262, 330, 392))
    clip = _clip(np.concatenate([np.zeros(16000, np.float32), speech, sound.astype(np.float32), np.zeros(16000, np.float32)]))
    [(start, end)] = clip.speech
    assert start / 16000 == pytest.approx(1.0, abs=0.1) and end / 16000 < 2.5 + 0.3


def test_noise_has_no_speech():
    r = _clip(testing.noise(3.0, amplitude=0.1)).report
    assert r.speech_fraction == 0 and r.speech_dbfs is None
    assert any(w.startswith("No speech") for w in r.warnings)


def test_dc_offset_warns_but_speech_is_still_found(speech):
    clean = _clip(speech).report
    r = _clip(speech + 0.3).report
    assert r.dc_offset == pytest.approx(0.3, abs=0.01)
    assert any(w.startswith("DC offset") for w in r.warnings)
    assert r.speech_fraction == pytest.approx(clean.speech_fraction, abs=0.05)


def test_limits_are_validated():
    with pytest.raises(ConfigError):
        Limits(min_seconds=2.0, max_seconds=1.0)


@pytest.mark.parametrize("origin,expected,not_expected", [
    ("file", "the file was recorded or saved at a low level", "move closer"),
    ("microphone", "move closer to the microphone", "the file was"),
])
def test_quiet_advice_fits_the_source(speech, origin, expected, not_expected):
    """An uploaded file cannot move closer to the microphone; a live recording can."""
    quiet = load_clip(testing.wav_bytes(speech * 0.01), name="clip.wav", origin=origin).report
    loud = load_clip(testing.wav_bytes(_wrap_int16(speech * 4)), name="clip.wav", origin=origin).report
    advice = " ".join(quiet.warnings + loud.warnings)
    assert expected in advice and not_expected not in advice
    assert ("lower the microphone gain" in advice) == (origin == "microphone")
