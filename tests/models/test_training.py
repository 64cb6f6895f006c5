"""Training internals on generated data: splits by speaker, padding, speaker normalisation, learning a toy problem."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from ser.errors import ConfigError
from ser.models.inputs import InputSpec
from ser.models.speaker_norm import Normalizer, feature_mean
from ser.models.training import ModelSpec, fit, pad_batch, training_batches, validation_split


def _toy(n_speakers: int = 6, per_class: int = 10, frames: int = 12, dim: int = 8, seed: int = 0, speaker_spread: float = 2.0):
    """Sequences whose class shifts dims 0-1; each speaker adds its own offset to every dim."""
    rng = np.random.default_rng(seed)
    xs, y, speakers = [], [], []
    for s in range(n_speakers):
        offset = rng.normal(0, speaker_spread, dim)
        for c in range(2):
            for _ in range(per_class):
                x = rng.normal(0, 1, (frames + rng.integers(0, 5), dim)) + offset
                x[:, :2] += 2.5 * c
                xs.append(x.astype(np.float32))
                y.append(c)
                speakers.append(f"spk_{s}")
    return xs, np.array(y), speakers


def test_validation_split_holds_out_whole_speakers():
    _, y, speakers = _toy()
    tr, va = validation_split(speakers, y, 0.34, seed=1)
    assert not {speakers[i] for i in tr} & {speakers[i] for i in va}
    assert len({speakers[i] for i in va}) == 2


def test_validation_split_with_one_speaker_is_stratified():
    y = np.array([0] * 20 + [1] * 20)
    tr, va = validation_split(["a"] * 40, y, 0.25, seed=0)
    assert len(va) == 10 and sorted(np.bincount(y[va])) == [5, 5]


def test_pad_batch_pads_with_zeros_and_crops_the_centre():
    a, b = np.ones((3, 2), np.float32), np.arange(20, dtype=np.float32).reshape(10, 2) + 1
    batch = pad_batch([a, b], max_frames=6)
    assert batch.shape == (2, 6, 2)
    assert not batch[0, 3:].any() and batch[0, :3].all()
    np.testing.assert_array_equal(batch[1], b[2:8])


def test_training_batches_pad_each_batch_to_the_set_length_and_keep_labels_with_their_clips():
    rng = np.random.default_rng(1)
    xs = [np.full((int(rng.integers(3, 15)), 2), i + 1, np.float32) for i in range(37)]  # clip i holds the value i + 1
    xs[5] = np.full((20, 2), 6, np.float32)  # longer than max_frames: centre-cropped to 12
    batches = list(training_batches(xs, np.arange(37), np.arange(37) / 10, max_frames=12, batch_size=8))
    assert [len(b[1]) for b in batches] == [8, 8, 8, 8, 5]
    seen = []
    for x, y, w in batches:
        x, y, w = x.numpy(), y.numpy(), w.numpy()
        assert x.shape[1:] == (12, 2)
        np.testing.assert_array_equal(x[:, 0, 0], y + 1)  # each clip keeps its own label and weight
        np.testing.assert_allclose(w, y / 10, rtol=1e-6)
        for row, i in zip(x, y, strict=True):  # the clip's frames, then zeros
            n = min(xs[i].shape[0], 12)
            np.testing.assert_array_equal(row[:n], pad_batch([xs[i]], 12)[0, :n])
            assert not row[n:].any()
        seen += y.tolist()
    assert sorted(seen) == list(range(37)) and seen != list(range(37))  # every clip once, shuffled


def test_batches_padded_as_drawn_fit_the_same_weights():
    """``training_batches`` must draw what Keras draws from the fully padded array (same shuffle, same
    padding): stored evaluation splits fitted the old way count as the new code's (split_cache.EQUIVALENT_CODE)."""
    from ser.models.architectures import build
    from ser.quiet import keras as quiet_keras

    keras = quiet_keras()
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(int(rng.integers(20, 90)), 6)).astype(np.float32) for _ in range(75)]  # 75 = 4 × 16 + 11
    y, w = rng.integers(0, 3, 75), rng.uniform(0.5, 2, 75)

    def weights_after(**data):
        keras.utils.set_random_seed(7)
        model = build("lstm", (None, 6), 3, units=[8], dense_units=[4], time_pool=4, clip_norm="meanvar", spec_augment=[2, 10, 2, 8])
        model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(**data, epochs=2, verbose=0)
        return model.get_weights()

    padded = pad_batch(xs, 64)
    everything = weights_after(x=padded, y=y, sample_weight=w, batch_size=16, shuffle=True)
    as_drawn = weights_after(x=training_batches(xs, y, w, 64, 16), shuffle=False)
    in_order = weights_after(x=padded, y=y, sample_weight=w, batch_size=16, shuffle=False)
    assert all(np.array_equal(a, b) for a, b in zip(everything, as_drawn, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(everything, in_order, strict=True))  # the order does matter


def test_normalizer_round_trip():
    xs, _, _ = _toy()
    norm = Normalizer.fit(xs)
    again = Normalizer.from_dict(norm.to_dict())
    np.testing.assert_allclose(again.apply(xs[0]), norm.apply(xs[0]), rtol=1e-6)
    with pytest.raises(ConfigError):
        Normalizer.from_dict({"mean": [0.0], "std": [0.0]})


@pytest.mark.parametrize("architecture", ["whisper_head", "lstm"])
def test_keras_model_learns_a_toy_problem_across_speakers(architecture):
    xs, y, speakers = _toy(speaker_spread=0.5)
    params = {"hidden_units": 16, "attention_units": 8, "dense_units": 16} if architecture == "whisper_head" else {
        "units": (16, 8), "dense_units": (16, 8, 8)}
    spec = ModelSpec(name="toy", architecture=architecture, input=InputSpec(kind="whisper"), params=params,
                     epochs=25, patience=25, learning_rate=1e-2, batch_size=16, val_fraction=0.2)
    train = [i for i, s in enumerate(speakers) if s not in ("spk_4", "spk_5")]
    test = [i for i, s in enumerate(speakers) if s in ("spk_4", "spk_5")]
    fitted = fit(spec, [xs[i] for i in train], y[train], [speakers[i] for i in train], ("neutral", "angry"), speaker_norm=False)
    proba = fitted.proba([xs[i] for i in test])
    assert proba.shape == (len(test), 2) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert (proba.argmax(axis=1) == y[test]).mean() >= 0.8
    assert fitted.temperature > 0 and len(fitted.history["loss"]) >= 1


def test_speaker_norm_variant_needs_and_uses_a_speaker_mean():
    xs, y, speakers = _toy(seed=3)
    spec = ModelSpec(name="toy", architecture="svm", input=InputSpec(kind="stats"))
    vectors = [x.mean(axis=0) for x in xs]
    train = [i for i, s in enumerate(speakers) if s != "spk_5"]
    test = [i for i, s in enumerate(speakers) if s == "spk_5"]
    normed = fit(spec, [vectors[i] for i in train], y[train], [speakers[i] for i in train], ("a", "b"), speaker_norm=True)
    with pytest.raises(ConfigError):
        normed.proba([vectors[i] for i in test])
    speaker_mean = feature_mean([vectors[i] for i in test[::3]])  # unlabeled, but from both classes
    proba = normed.proba([vectors[i] for i in test], speaker_mean=speaker_mean)
    assert (proba.argmax(axis=1) == y[test]).mean() >= 0.8


def test_spec_validation():
    with pytest.raises(ConfigError):
        ModelSpec(name="x", architecture="svm", input=InputSpec(kind="frames"))
    with pytest.raises(ConfigError):
        ModelSpec(name="x", architecture="lstm", input=InputSpec(kind="stats"))
    spec = ModelSpec(name="x", architecture="lstm", input=InputSpec(kind="frames"), params={"units": [8, 4]})
    assert ModelSpec.from_dict(spec.to_dict()) == spec


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_keras_fit_shows_epoch_progress_on_a_terminal_only(monkeypatch):
    xs, y, speakers = _toy(n_speakers=4, per_class=4)
    spec = ModelSpec(name="toy", architecture="lstm", input=InputSpec(kind="whisper"), params={"units": (8,), "dense_units": (8,)},
                     epochs=3, patience=3, batch_size=16, val_fraction=0.25)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(spec, xs, y, speakers, ("neutral", "angry"), speaker_norm=False, progress="fold 1/6 plain")
    shown = terminal.getvalue()
    assert "fold 1/6 plain" in shown and "3/3" in shown and "val_acc=" in shown

    log = io.StringIO()  # not a terminal: a log file or CI gets no bar
    monkeypatch.setattr(sys, "stderr", log)
    fit(spec, xs, y, speakers, ("neutral", "angry"), speaker_norm=False, progress="fold 1/6 plain")
    assert log.getvalue() == ""


def test_every_zoo_recipe_keeps_the_demo_speakers_out_of_its_final_fit():
    from ser.data.demo import DEMO_SPEAKERS
    from ser.models.zoo import PRESETS

    assert all(set(spec.holdout_speakers) == set(DEMO_SPEAKERS) for spec in PRESETS.values())
