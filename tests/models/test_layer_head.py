"""The head over pooled encoder states, and training balanced over (corpus, class) pairs."""

from __future__ import annotations

import numpy as np
import pytest

from ser.errors import ConfigError
from ser.models.inputs import InputSpec
from ser.models.training import ModelSpec, _group_class_weights, fit

LAYERS = InputSpec(kind="layers", whisper_model="base")


@pytest.mark.parametrize("combine,projection", [("weighted", 0), ("weighted", 4), ("concat", 0)])
def test_layer_head_saves_and_loads_with_the_same_logits(tmp_path, combine, projection):
    import keras

    from ser.models.architectures import build

    model = build("layer_head", (7 * 6,), 5, combine=combine, projection_units=projection, hidden_units=8)
    x = np.random.default_rng(0).normal(size=(3, 42)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict_on_batch(x), again.predict_on_batch(x), rtol=1e-5, atol=1e-6)
    assert model.output_shape == (None, 5)


def test_layer_weights_start_equal_and_sum_to_one():
    import keras

    from ser.models.architectures import build

    model = build("layer_head", (7 * 2,), 3, combine="weighted", hidden_units=0)
    logits = model.get_layer("layer_weights").get_weights()[0]
    weights = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    np.testing.assert_allclose(weights, np.full(7, 1 / 7), rtol=1e-6)


@pytest.mark.parametrize("shape,params,message", [
    ((None, 8), {}, "input_shape"),
    ((43,), {}, "do not split into 7 states"),
    ((42,), {"combine": "max"}, "combine"),
    ((42,), {"l2": -1}, "l2"),
])
def test_layer_head_refuses_bad_settings(shape, params, message):
    from ser.models.architectures import build

    with pytest.raises(ConfigError, match=message):
        build("layer_head", shape, 4, **params)


def test_recipes_match_their_input():
    with pytest.raises(ConfigError, match="one vector per clip"):
        ModelSpec(name="x", architecture="layer_head", input=InputSpec(kind="whisper"))
    with pytest.raises(ConfigError, match="balance"):
        ModelSpec(name="x", architecture="layer_head", input=LAYERS, balance="speaker")
    spec = ModelSpec(name="x", architecture="layer_head", input=LAYERS, balance="corpus_class", holdout_speakers=["a"])
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    # older meta.json files keep their keys: the new settings appear only when set
    assert "balance" not in ModelSpec(name="y", architecture="lstm").to_dict()


def test_corpus_class_weights_give_every_pair_the_same_total():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    groups = np.array(["big", "big", "big", "big", "big", "small", "small", "small"])
    w = _group_class_weights(y, groups)
    totals = {(g, c): w[(groups == g) & (y == c)].sum() for g, c in {(g, c) for g, c in zip(groups, y, strict=True)}}
    assert np.allclose(list(totals.values()), list(totals.values())[0])
    assert w.mean() == pytest.approx(1.0)


def test_fit_needs_the_corpus_of_every_clip_for_corpus_class_balance():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=14).astype(np.float32) for _ in range(20)]
    y = np.array([0, 1] * 10)
    speakers = [f"s{i % 4}" for i in range(20)]
    spec = ModelSpec(name="x", architecture="layer_head", input=LAYERS, params={"hidden_units": 0}, epochs=2, balance="corpus_class")
    with pytest.raises(ConfigError, match="corpus of every clip"):
        fit(spec, xs, y, speakers, ("a", "b"), speaker_norm=False)
    fitted = fit(spec, xs, y, speakers, ("a", "b"), speaker_norm=False, corpora=["c1"] * 10 + ["c2"] * 10)
    proba = fitted.proba(xs[:3])
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1)
