from __future__ import annotations

import json

import numpy as np
import pytest

from ser.audio.features import (
    ALL_KINDS,
    FeatureConfig,
    extract_frames,
    feature_dims,
    fix_length,
    frame_matrix,
    utterance_feature_names,
    utterance_vector,
)
from ser.errors import AudioError, ConfigError
from ser.testing import speech_like, tone

SR = 16000


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return speech_like(1.5, seed=3)


def test_shapes_of_each_kind(clip: np.ndarray) -> None:
    n_frames = 1 + len(clip) // 160
    frames = extract_frames(clip, FeatureConfig())
    expected = {"mfcc": 120, "log_mel": 64, "chroma": 12, "centroid": 1, "zcr": 1, "rms": 1}
    assert list(frames) == list(ALL_KINDS)
    for kind, dims in expected.items():
        assert frames[kind].shape == (n_frames, dims), kind
        assert frames[kind].dtype == np.float32
        assert np.isfinite(frames[kind]).all()
    assert feature_dims(FeatureConfig()) == expected


def test_mfcc_without_deltas_and_subset_of_kinds(clip: np.ndarray) -> None:
    frames = extract_frames(clip, FeatureConfig(deltas=False), kinds=("mfcc", "rms"))
    assert list(frames) == ["mfcc", "rms"]
    assert frames["mfcc"].shape[1] == 40


def test_subset_equals_full_extraction(clip: np.ndarray) -> None:
    full = extract_frames(clip, FeatureConfig())
    part = extract_frames(clip, FeatureConfig(), kinds=("chroma", "zcr"))
    np.testing.assert_array_equal(part["chroma"], full["chroma"])
    np.testing.assert_array_equal(part["zcr"], full["zcr"])


def test_frame_matrix_concatenates_in_order(clip: np.ndarray) -> None:
    config = FeatureConfig()
    frames = extract_frames(clip, config)
    matrix = frame_matrix(clip, config, kinds=("log_mel", "rms"))
    assert matrix.shape == (frames["rms"].shape[0], 65)
    np.testing.assert_array_equal(matrix[:, :64], frames["log_mel"])
    np.testing.assert_array_equal(matrix[:, 64:], frames["rms"])
    assert frame_matrix(clip, config).shape[1] == 120


def test_fixed_length_pads_short_clip_with_silence() -> None:
    config = FeatureConfig(max_seconds=2.0)
    assert config.fixed_frames == 201
    y = speech_like(1.0, seed=1)
    padded = extract_frames(y, config)
    expected = extract_frames(np.concatenate([y, np.zeros(SR, np.float32)]), FeatureConfig())
    for kind, m in padded.items():
        assert m.shape[0] == 201
        np.testing.assert_array_equal(m, expected[kind])
    # Padded frames are silence on the absolute scale, not 0 dB.
    assert padded["log_mel"][150:].max() < -90


@pytest.mark.parametrize("pad_mode", ["edge", "wrap"])
def test_fixed_length_other_pad_modes(pad_mode: str) -> None:
    m = np.arange(6, dtype=np.float32).reshape(3, 2)
    out = fix_length(m, FeatureConfig(max_seconds=0.05, pad_mode=pad_mode))  # 6 frames
    assert out.shape == (6, 2)
    expected_row3 = m[-1] if pad_mode == "edge" else m[0]
    np.testing.assert_array_equal(out[3], expected_row3)


@pytest.mark.parametrize("crop", ["start", "center"])
def test_fixed_length_crops_long_clip(clip: np.ndarray, crop: str) -> None:
    cropped = extract_frames(clip, FeatureConfig(max_seconds=0.5, crop=crop))["mfcc"]
    assert cropped.shape == (51, 120)
    start = 0 if crop == "start" else (len(clip) - SR // 2) // 2
    expected = extract_frames(clip[start : start + SR // 2], FeatureConfig())["mfcc"]
    np.testing.assert_array_equal(cropped, expected)


def test_trim_silence_shortens_leading_silence() -> None:
    y = np.concatenate([np.zeros(SR, np.float32), speech_like(1.0, seed=2, pause_fraction=0.0)])
    plain = extract_frames(y, FeatureConfig(), kinds=("rms",))["rms"]
    trimmed = extract_frames(y, FeatureConfig(trim_silence=True), kinds=("rms",))["rms"]
    assert plain.shape[0] == 201
    assert trimmed.shape[0] < 120


def test_deterministic(clip: np.ndarray) -> None:
    config = FeatureConfig()
    a, b = extract_frames(clip, config), extract_frames(clip.copy(), config)
    for kind in ALL_KINDS:
        assert a[kind].tobytes() == b[kind].tobytes()
    assert utterance_vector(clip, config).tobytes() == utterance_vector(clip, config).tobytes()


def test_utterance_vector_matches_names(clip: np.ndarray) -> None:
    config = FeatureConfig()
    vec = utterance_vector(clip, config)
    names = utterance_feature_names(config)
    assert vec.ndim == 1 and vec.dtype == np.float32
    assert len(vec) == len(names) == 2 * 120 + 2 * 64 + 2 * 12 + 3 * 4
    assert len(set(names)) == len(names)
    for name in ("mfcc_0_mean", "mfcc_d1_0_std", "mfcc_d2_39_mean", "log_mel_5_mean", "chroma_11_std", "centroid_max"):
        assert name in names
    frames = extract_frames(clip, config)
    assert vec[names.index("rms_max")] == pytest.approx(frames["rms"].max())
    assert vec[names.index("mfcc_3_mean")] == pytest.approx(frames["mfcc"][:, 3].mean(), rel=1e-5)
    assert len(utterance_feature_names(FeatureConfig(deltas=False))) == len(names) - 4 * 40


def test_utterance_vector_ignores_fixed_length_padding() -> None:
    y = speech_like(0.5, seed=4)
    np.testing.assert_array_equal(utterance_vector(y, FeatureConfig(max_seconds=3.0)), utterance_vector(y, FeatureConfig()))


def test_config_round_trip() -> None:
    config = FeatureConfig(
        sample_rate=22050, n_fft=1024, win_length=1000, hop_length=256, n_mels=80, n_mfcc=13, fmin=50.0,
        fmax=8000.0, deltas=False, max_seconds=3.7, pad_mode="wrap", crop="start", trim_silence=True, trim_top_db=25.5,
    )
    assert FeatureConfig.from_json(config.to_json()) == config
    assert FeatureConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert FeatureConfig.from_json(FeatureConfig().to_json()) == FeatureConfig()
    assert FeatureConfig.from_dict({"n_mels": 40}) == FeatureConfig(n_mels=40)  # missing keys -> defaults
    assert FeatureConfig().fixed_frames is None
    assert FeatureConfig(max_seconds=3.0).fixed_frames == 301


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"n_fft": 0}, "n_fft"),
        ({"hop_length": -160}, "hop_length"),
        ({"sample_rate": 16000.5}, "sample_rate"),
        ({"n_mels": True}, "n_mels"),
        ({"win_length": 1024}, "win_length"),
        ({"n_mfcc": 80}, "n_mfcc"),
        ({"fmax": 9000.0}, "fmax"),
        ({"fmin": -1.0}, "fmin"),
        ({"fmin": 9000.0, "fmax": 8000.0}, "fmin"),
        ({"max_seconds": 0}, "max_seconds"),
        ({"max_seconds": float("nan")}, "max_seconds"),
        ({"pad_mode": "reflect"}, "pad_mode"),
        ({"crop": "end"}, "crop"),
        ({"deltas": "yes"}, "deltas"),
        ({"trim_top_db": "30"}, "trim_top_db"),
        ({"version": 2}, "version"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_config_raises_config_error_naming_key(changes: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        FeatureConfig.from_dict(changes)
    assert key in err.value.message
    assert "\n" not in err.value.message


def test_bad_json_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        FeatureConfig.from_json("{not json")
    with pytest.raises(ConfigError):
        FeatureConfig.from_json("[1, 2]")


def test_unknown_kind_raises_config_error(clip: np.ndarray) -> None:
    with pytest.raises(ConfigError, match="spectral_flux"):
        extract_frames(clip, FeatureConfig(), kinds=("mfcc", "spectral_flux"))


def test_stereo_input_is_rejected() -> None:
    with pytest.raises(AudioError):
        extract_frames(np.zeros((2, 1000), np.float32), FeatureConfig())


@pytest.mark.parametrize("n", [0, 10])
def test_tiny_input_does_not_crash(n: int) -> None:
    y = np.full(n, 0.01, np.float32)
    frames = extract_frames(y, FeatureConfig(trim_silence=True))
    assert {m.shape[0] for m in frames.values()} == {1 + 512 // 160}
    assert all(np.isfinite(m).all() for m in frames.values())
    assert np.isfinite(utterance_vector(y, FeatureConfig())).all()
    assert extract_frames(y, FeatureConfig(max_seconds=1.0))["mfcc"].shape == (101, 120)


def test_tone_centroid_and_chroma() -> None:
    frames = extract_frames(tone(1.0, freq=440.0), FeatureConfig())
    inner = slice(5, -5)  # skip edge frames that see the zero padding
    assert np.median(frames["centroid"][inner]) == pytest.approx(440.0, abs=20.0)
    assert np.all(frames["chroma"][inner].argmax(axis=1) == 9)  # C=0 ... A=9
