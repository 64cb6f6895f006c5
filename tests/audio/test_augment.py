from __future__ import annotations

import numpy as np
import pytest

from ser.audio.augment import (
    CODECS,
    AugmentConfig,
    Augmenter,
    add_noise,
    codec_roundtrip,
    gain,
    pitch_shift,
    reverb,
    time_shift,
    time_stretch,
)
from ser.errors import ConfigError
from ser.testing import speech_like, tone

SR = 16000


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return speech_like(1.0, seed=7)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    clean64 = clean.astype(np.float64)
    noise = noisy.astype(np.float64) - clean64
    return float(10 * np.log10(np.mean(clean64**2) / np.mean(noise**2)))


@pytest.mark.parametrize("kind", ["white", "pink"])
@pytest.mark.parametrize("target", [-5.0, 0.0, 10.0, 20.0, 35.0])
def test_add_noise_hits_target_snr(clip: np.ndarray, kind: str, target: float) -> None:
    noisy = add_noise(clip, target, rng(1), kind=kind)
    assert noisy.shape == clip.shape and noisy.dtype == np.float32
    assert snr_db(clip, noisy) == pytest.approx(target, abs=0.5)


def test_add_noise_silent_input_unchanged() -> None:
    silent = np.zeros(1000, np.float32)
    np.testing.assert_array_equal(add_noise(silent, 10.0, rng()), silent)
    with pytest.raises(ValueError):
        add_noise(silent, 10.0, rng(), kind="brown")


@pytest.mark.parametrize("rate", [0.85, 1.0, 1.15])
def test_time_stretch_length(clip: np.ndarray, rate: float) -> None:
    out = time_stretch(clip, rate)
    assert out.dtype == np.float32
    assert len(out) == pytest.approx(len(clip) / rate, rel=0.01)


def test_length_preserving_transforms(clip: np.ndarray) -> None:
    outputs = [
        add_noise(clip, 10.0, rng()),
        pitch_shift(clip, SR, 1.5),
        pitch_shift(clip, SR, -2.0),
        time_shift(clip, 0.2, rng()),
        reverb(clip, SR, 0.5, rng()),
    ]
    for out in outputs:
        assert out.shape == clip.shape
        assert out.dtype == np.float32
        assert np.isfinite(out).all()


def test_time_shift_fills_with_zeros_and_does_not_wrap() -> None:
    y = np.arange(1, 101, dtype=np.float32)
    for seed in range(20):
        out = time_shift(y, 0.3, rng(seed))
        nonzero = out[out != 0]
        assert len(nonzero) >= 70
        # A contiguous run of the original, never wrapped around.
        assert np.all(np.diff(nonzero) == 1)
    np.testing.assert_array_equal(time_shift(y, 0.0, rng()), y)


def test_reverb_keeps_peak_and_adds_tail() -> None:
    y = np.zeros(SR, np.float32)
    y[:800] = tone(0.05, freq=300.0)
    assert np.max(np.abs(y)) > 0.4
    out = reverb(y, SR, 0.6, rng(2))
    assert np.max(np.abs(out)) <= np.max(np.abs(y)) * 1.0001
    assert np.sqrt(np.mean(out[4000:8000] ** 2)) > 1e-4  # the tail rings on after the sound stops


def test_transforms_reproducible_with_generator(clip: np.ndarray) -> None:
    np.testing.assert_array_equal(add_noise(clip, 5.0, rng(3), "pink"), add_noise(clip, 5.0, rng(3), "pink"))
    np.testing.assert_array_equal(reverb(clip, SR, 0.3, rng(3)), reverb(clip, SR, 0.3, rng(3)))


ALWAYS = AugmentConfig(p_noise=1.0, p_stretch=1.0, p_pitch=1.0, p_shift=1.0, p_reverb=1.0, p_gain=1.0, p_codec=1.0)


def test_augmenter_reproducible_per_index(clip: np.ndarray) -> None:
    a = Augmenter(ALWAYS, SR, seed=42)
    b = Augmenter(ALWAYS, SR, seed=42)
    first = a.augment(clip, 5)
    b.augment(clip, 9)  # a different call order must not matter
    b(clip)
    np.testing.assert_array_equal(b.augment(clip, 5), first)
    other = a.augment(clip, 6)
    assert other.shape != first.shape or not np.array_equal(other, first)
    third = Augmenter(ALWAYS, SR, seed=43).augment(clip, 5)
    assert third.shape != first.shape or not np.array_equal(third, first)


def test_augmenter_output_finite_float32(clip: np.ndarray) -> None:
    aug = Augmenter(AugmentConfig(), SR, seed=0)
    for i in range(8):
        out = aug.augment(clip, i)
        assert out.dtype == np.float32 and out.ndim == 1
        assert np.isfinite(out).all()
    out = Augmenter(ALWAYS, SR, seed=0)(clip)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert len(out) == pytest.approx(len(clip), rel=0.2)


def test_augmenter_with_nothing_enabled_is_identity(clip: np.ndarray) -> None:
    never = AugmentConfig(p_noise=0.0, p_stretch=0.0, p_pitch=0.0, p_shift=0.0, p_reverb=0.0, p_gain=0.0, p_codec=0.0)
    np.testing.assert_array_equal(Augmenter(never, SR, seed=1).augment(clip, 0), clip)


def test_augment_config_round_trip() -> None:
    config = AugmentConfig(p_noise=0.9, snr_db=(0, 20), noise_kinds=("pink",), rt60=(0.3, 0.3))
    assert AugmentConfig.from_dict(config.to_dict()) == config
    assert AugmentConfig.from_dict({}) == AugmentConfig()
    assert config.snr_db == (0.0, 20.0)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"p_noise": 1.5}, "p_noise"),
        ({"p_reverb": -0.1}, "p_reverb"),
        ({"p_shift": "0.5"}, "p_shift"),
        ({"snr_db": (30, 5)}, "snr_db"),
        ({"rate": (0.0, 1.2)}, "rate"),
        ({"semitones": (1.0,)}, "semitones"),
        ({"rt60": (0.2, float("inf"))}, "rt60"),
        ({"max_fraction": 2.0}, "max_fraction"),
        ({"noise_kinds": ["brown"]}, "noise_kinds"),
        ({"gain": 1.0}, "gain"),
        ({"codecs": ["amr"]}, "codecs"),
        ({"bitrate": (1000, 8000)}, "bitrate"),
        ({"p_codec": 2}, "p_codec"),
    ],
)
def test_augment_config_validation(changes: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        AugmentConfig.from_dict(changes)
    assert key in err.value.message


def test_augmenter_rejects_bad_arguments() -> None:
    with pytest.raises(ConfigError):
        Augmenter(AugmentConfig(), 0, seed=0)
    with pytest.raises(ConfigError):
        Augmenter(AugmentConfig(), SR, seed=-1)
    with pytest.raises(ValueError):
        Augmenter(AugmentConfig(), SR, seed=0).augment(np.zeros(100, np.float32), -1)


def test_gain_scales_and_clips_like_a_hot_microphone(clip: np.ndarray) -> None:
    quiet = gain(clip, -20.0)
    np.testing.assert_allclose(quiet, clip * 0.1, rtol=1e-5, atol=1e-7)
    hot = gain(clip, 40.0)
    assert np.abs(hot).max() == 1.0 and np.isclose(np.abs(hot), 1.0).mean() > 0.2
    with pytest.raises(ValueError):
        gain(clip, float("nan"))


def _lag(a: np.ndarray, b: np.ndarray, search: int = 400) -> int:
    middle = slice(search, len(a) - search)
    return max(range(-search, search + 1), key=lambda lag: float(np.dot(a[middle], b[search + lag : len(a) - search + lag])))


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_codec_roundtrip_keeps_length_level_and_timing(clip: np.ndarray, codec: str) -> None:
    out = codec_roundtrip(clip, SR, codec, 24_000)
    assert out.dtype == np.float32 and out.shape == clip.shape and np.isfinite(out).all()
    assert abs(_lag(clip, out)) <= 160  # at most 10 ms: the encoder's start-up delay is not left in
    assert 0.7 < np.std(out) / np.std(clip) < 1.3
    assert not np.array_equal(out, clip)  # it really went through the lossy codec


def test_lower_bitrate_loses_more(clip: np.ndarray) -> None:
    def error(bitrate: int) -> float:
        out = codec_roundtrip(clip, SR, "mp3", bitrate)
        return float(np.mean((out - clip) ** 2))

    assert error(8_000) > error(64_000)


def test_codec_roundtrip_rejects_bad_arguments(clip: np.ndarray) -> None:
    with pytest.raises(ValueError, match="codec"):
        codec_roundtrip(clip, SR, "amr", 24_000)
    with pytest.raises(ValueError, match="bitrate"):
        codec_roundtrip(clip, SR, "opus", 100)
    assert codec_roundtrip(np.zeros(0, np.float32), SR, "opus", 24_000).size == 0
