"""Every layer of Whisper base's encoder: the model.bin reader, the sha256 check, agreement with
CTranslate2's own encoder, and the pooled statistics the default model eats."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest

from ser import testing
from ser.audio import whisper_layers as wl
from ser.errors import ConfigError
from ser.models.inputs import InputSpec


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def _model_bin(variables: dict[str, np.ndarray], version: int = 6) -> bytes:
    dtype_ids = {np.dtype(np.float32): 0, np.dtype(np.int16): 2, np.dtype(np.float16): 4}
    out = struct.pack("<I", version) + _string("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, value in variables.items():
        out += _string(name) + struct.pack("<B", value.ndim) + struct.pack(f"<{value.ndim}I", *value.shape)
        out += struct.pack("<BI", dtype_ids[value.dtype], value.nbytes) + value.tobytes()
    return out + struct.pack("<I", 1) + _string("decoder/projection/weight") + _string("decoder/embeddings/weight")


def test_reader_returns_the_variables_with_their_shapes_and_types():
    weight = np.arange(6, dtype=np.float16).reshape(2, 3)
    data = _model_bin({"encoder/a/weight": weight, "encoder/num_heads": np.array(4, np.int16),
                       "decoder/b": np.ones(3, np.float32)})
    found = dict(wl.ct2_variables(data, "encoder/"))
    assert set(found) == {"encoder/a/weight", "encoder/num_heads"}
    np.testing.assert_array_equal(found["encoder/a/weight"], weight)
    assert found["encoder/a/weight"].dtype == np.float16 and int(found["encoder/num_heads"]) == 4
    with pytest.raises(ConfigError, match="version 5"):
        list(wl.ct2_variables(_model_bin({}, version=5)))


def test_joined_parts_are_checked_against_their_sha256(tmp_path):
    (tmp_path / "p1").write_bytes(b"abc")
    (tmp_path / "p2").write_bytes(b"def")
    parts = (tmp_path / "p1", tmp_path / "p2")
    assert wl.read_verified(parts, hashlib.sha256(b"abcdef").hexdigest()) == b"abcdef"
    with pytest.raises(ConfigError, match="does not match its pinned sha256"):
        wl.read_verified(parts, hashlib.sha256(b"abcdeF").hexdigest())


def test_the_installed_packages_hold_the_pinned_model():
    part1, part2, folder = wl.base_model_parts()
    digest = hashlib.sha256(part1.read_bytes() + part2.read_bytes()).hexdigest()
    assert digest == wl.BASE_SHA256
    assert {"config.json", "tokenizer.json", "vocabulary.json"} <= {p.name for p in folder.iterdir()}


def test_encoder_matches_ctranslate2_final_output(tmp_path):
    import ctranslate2
    from faster_whisper import WhisperModel

    part1, part2, folder = wl.base_model_parts()
    (tmp_path / "model.bin").write_bytes(part1.read_bytes() + part2.read_bytes())
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    reference_model = WhisperModel(str(tmp_path), device="cpu", compute_type="float32", local_files_only=True)
    mel = wl.log_mel(testing.speech_like(2.5, seed=4))
    view = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
    reference = np.array(reference_model.model.encode(view, to_cpu=True))[0]
    ours = wl.load_base_encoder("float32").final_output(mel)
    assert ours.shape == reference.shape == (125, 512)
    assert np.linalg.norm(ours - reference) / np.linalg.norm(reference) < 1e-4


@pytest.mark.parametrize("seconds", [0.02, 3.0, 31.0])
def test_pooled_statistics_cover_every_state(seconds):
    encoder = wl.load_base_encoder()
    pooled = encoder.pooled(testing.speech_like(seconds, seed=1) if seconds >= 0.5 else np.full(int(seconds * 16000), 0.1, np.float32))
    assert pooled.shape == (7, 1024) and np.isfinite(pooled).all()
    assert (pooled[:, 512:] >= 0).all()  # the second half is a standard deviation


def test_long_audio_pools_over_every_window():
    encoder = wl.load_base_encoder()
    clip = testing.speech_like(3.0, seed=3)
    # the same clip twice, 30 s apart: both windows count, so the mean equals one copy's
    twice = np.concatenate([clip, np.zeros(30 * 16000 - len(clip), np.float32), clip])
    assert encoder.pooled(twice).shape == (7, 1024)
    assert not np.allclose(encoder.pooled(twice), encoder.pooled(twice[: 30 * 16000]))


def test_bad_input_is_refused_with_a_message():
    encoder = wl.load_base_encoder()
    with pytest.raises(ConfigError, match="mono"):
        encoder.pooled(np.zeros((2, 16000), np.float32))
    with pytest.raises(ConfigError, match="log-mel"):
        encoder.hidden_states(np.zeros((64, 100), np.float32))


def test_layers_input_spec():
    spec = InputSpec(kind="layers", whisper_model="base")
    assert not spec.is_sequence and spec.uses_whisper
    vector = spec.compute(testing.speech_like(1.0, seed=2))
    assert vector.shape == (7 * 1024,) and vector.dtype == np.float32
    assert InputSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ConfigError, match="Whisper base"):
        InputSpec(kind="layers").compute(testing.speech_like(1.0))


def test_bfloat16_encoder_agrees_with_float32():
    """Faster on CPUs with native bfloat16; its features stay within 1 % of float32's, layer by layer."""
    clip = testing.speech_like(3.0, seed=5)
    exact = wl.load_base_encoder("float32")
    fast = wl.LayerEncoder(dict(wl.ct2_variables(wl.read_verified(wl.base_model_parts()[:2]), "encoder/")), "bfloat16")
    assert exact.precision == "float32" and fast.precision == "bfloat16"
    a, b = exact.pooled(clip), fast.pooled(clip)
    assert not np.array_equal(a, b)  # it really ran in bfloat16
    for state in range(a.shape[0]):
        assert np.linalg.norm(a[state] - b[state]) / np.linalg.norm(a[state]) < 1e-2


def test_precision_choice(monkeypatch):
    assert wl.resolve_precision("float32") == "float32"
    monkeypatch.setattr(wl, "native_bfloat16", lambda: False)
    assert wl.resolve_precision("auto") == "float32"
    monkeypatch.setattr(wl, "native_bfloat16", lambda: True)
    assert wl.resolve_precision("auto") == "bfloat16"
    with pytest.raises(ConfigError, match="precision"):
        wl.resolve_precision("int8")


def test_levelled_log_mel_is_the_same_at_any_gain():
    clip = testing.speech_like(2.0, seed=6)
    clip[8000:12000] = 0.0  # digital silence: the extractor's absolute power floor, not its clamp, sets it when quiet
    quiet, faint, loud = 0.1 * clip, 0.001 * clip, 2.0 * clip  # -20, -60 and +6 dB
    plain = wl.log_mel(clip)
    assert abs(float(np.median(plain - wl.log_mel(quiet))) - 0.5) < 1e-3  # 20 dB moves every value by 20 / 40
    levelled = wl.log_mel(clip, wl.LEVEL_PEAK)
    assert levelled.max() == pytest.approx(wl.LEVEL_PEAK, abs=1e-4)
    for other in (quiet, faint, loud):
        assert np.abs(wl.log_mel(other, wl.LEVEL_PEAK) - levelled).max() < 1e-3


def test_levelled_layers_input_ignores_the_recording_level():
    levelled = InputSpec(kind="layers", whisper_model="base", whisper_peak=wl.LEVEL_PEAK)
    plain = InputSpec(kind="layers", whisper_model="base")
    clip = testing.speech_like(2.0, seed=7)

    def change(spec: InputSpec) -> float:
        a, b = spec.compute(clip, "float32"), spec.compute(0.01 * clip, "float32")
        return float(np.linalg.norm(a - b) / np.linalg.norm(a))

    assert change(levelled) < 1e-3 < 1e-2 < change(plain)
    assert InputSpec.from_dict(levelled.to_dict()) == levelled and levelled.key() != plain.key()


def test_layers_input_without_a_peak_is_what_it_was():
    """Proof for split_cache.EQUIVALENT_CODE: with ``whisper_peak`` unset a spec serialises as before (no new
    key, so the same feature-cache folder and split keys) and computes faster-whisper's log-mel through the
    encoder, pooled, exactly as before the setting existed."""
    from faster_whisper.feature_extractor import FeatureExtractor

    spec = InputSpec(kind="layers", whisper_model="base")
    assert "whisper_peak" not in spec.to_dict()
    clip = testing.speech_like(2.0, seed=8)
    mel = FeatureExtractor(feature_size=wl.N_MELS)(clip, padding=0)
    mel = np.pad(mel, ((0, 0), (0, mel.shape[1] % 2)), mode="edge")
    states = wl.load_base_encoder("float32").hidden_states(mel).astype(np.float64)
    expected = np.concatenate([states.mean(axis=1), states.std(axis=1)], axis=1).astype(np.float32).reshape(-1)
    np.testing.assert_allclose(spec.compute(clip, "float32"), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("settings,message", [
    ({"kind": "whisper", "whisper_peak": 1.0}, "'layers' only"),
    ({"kind": "layers", "whisper_model": "base", "whisper_peak": "loud"}, "finite number"),
    ({"kind": "layers", "whisper_model": "base", "whisper_peak": float("nan")}, "finite number"),
])
def test_bad_peak_settings_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        InputSpec(**settings)
