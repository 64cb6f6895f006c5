"""Model builders: shapes, masking of zero padding, .keras round trip, a toy problem learned."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from ser.errors import ConfigError  # noqa: E402
from ser.models import architectures as arch  # noqa: E402
from ser.models.training import VECTOR_KERAS  # noqa: E402

N_FRAMES, N_FEATURES, N_CLASSES = 40, 20, 3
NAMES = [n for n in arch.ARCHITECTURES if n not in VECTOR_KERAS]  # frame-input builders (layer_head: test_layer_head.py)

# Raised inside Keras/TensorFlow (numpy 2 copy keyword), not by ser.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

# Tiny hyper-parameters so every test runs in seconds on 2 CPU cores.
TINY: dict[str, dict] = {
    "cnn": {"filters": (8, 16), "dense_units": 16},
    "lstm": {"units": (16, 8), "dense_units": (16,)},
    "cnn_lstm": {"filters": (8, 16), "lstm_units": 16, "dense_units": 16},
    "cnn_bilstm_attention": {"filters": (8, 16), "rnn_units": 8, "attention_units": 8, "dense_units": 16},
    "whisper_head": {"hidden_units": 16, "attention_units": 8, "dense_units": 16, "extra_units": 8},
}


def tiny(name: str, n_frames: int | None = N_FRAMES, n_classes: int = N_CLASSES, **extra) -> keras.Model:
    keras.utils.set_random_seed(0)
    return arch.build(name, (n_frames, N_FEATURES), n_classes, **TINY[name], **extra)


def logits(model: keras.Model, x) -> np.ndarray:
    return np.asarray(model(x, training=False))


def random_frames(n: int, n_frames: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, n_frames, N_FEATURES)).astype("float32")


def test_registry_has_the_five_frame_architectures_and_the_layer_head() -> None:
    assert NAMES == ["cnn", "lstm", "cnn_lstm", "cnn_bilstm_attention", "whisper_head"]
    assert VECTOR_KERAS == ("layer_head",) and set(VECTOR_KERAS) <= set(arch.ARCHITECTURES)


@pytest.mark.parametrize("name", NAMES)
def test_output_is_logits_of_shape_batch_by_classes(name: str) -> None:
    fixed = tiny(name)
    assert fixed.layers[-1].name == "logits"
    assert fixed.layers[-1].get_config()["activation"] == "linear"
    assert logits(fixed, random_frames(3, N_FRAMES)).shape == (3, N_CLASSES)

    variable = tiny(name, n_frames=None)
    for n_frames in (N_FRAMES, 17, 1):
        out = logits(variable, random_frames(2, n_frames))
        assert out.shape == (2, N_CLASSES)
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", NAMES)
def test_zero_padding_does_not_change_logits(name: str) -> None:
    model = tiny(name, n_frames=None)
    for n_frames in (23, 24):  # odd and even lengths go through the pooling differently
        clip = random_frames(2, n_frames, seed=n_frames)
        padded = np.concatenate([clip, np.zeros((2, 41 - n_frames, N_FEATURES), "float32")], axis=1)
        np.testing.assert_allclose(logits(model, clip), logits(model, padded), atol=1e-4)


def test_cnn_with_plain_global_pooling_also_ignores_padding() -> None:
    model = tiny("cnn", n_frames=None, pool_features=True)
    clip = random_frames(2, 23)
    padded = np.concatenate([clip, np.zeros((2, 18, N_FEATURES), "float32")], axis=1)
    np.testing.assert_allclose(logits(model, clip), logits(model, padded), atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_all_padding_clip_gives_finite_logits(name: str) -> None:
    model = tiny(name, n_frames=None)
    assert np.all(np.isfinite(logits(model, np.zeros((1, 12, N_FEATURES), "float32"))))


def test_padding_inside_a_batch_matches_each_clip_alone() -> None:
    model = tiny("cnn_bilstm_attention", n_frames=N_FRAMES)
    batch = random_frames(2, N_FRAMES, seed=3)
    batch[0, 25:] = 0.0
    alone = tiny("cnn_bilstm_attention", n_frames=None)
    np.testing.assert_allclose(logits(model, batch)[0], logits(alone, batch[:1, :25])[0], atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_round_trip_in_safe_mode(name: str, tmp_path) -> None:
    model = tiny(name, n_frames=None)
    x = random_frames(2, 30, seed=1)
    x[1, 20:] = 0.0
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(logits(model, x), logits(loaded, x))


def test_whisper_head_with_extra_vector_has_two_inputs_and_round_trips(tmp_path) -> None:
    model = tiny("whisper_head", extra_dim=5)
    assert [t.name for t in model.inputs] == ["frames", "extra"]
    x = [random_frames(2, N_FRAMES), np.ones((2, 5), "float32")]
    out = logits(model, x)
    assert out.shape == (2, N_CLASSES)
    model.save(tmp_path / "w.keras")
    loaded = keras.saving.load_model(tmp_path / "w.keras", safe_mode=True)
    np.testing.assert_array_equal(out, logits(loaded, x))


def toy_problem(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """3 classes; the class shifts the mean of 4 feature dims. Clips have 20..40 frames, zero-padded."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % N_CLASSES
    x = rng.normal(scale=1.0, size=(n, N_FRAMES, N_FEATURES)).astype("float32")
    for i, c in enumerate(y):
        x[i, :, 4 * c : 4 * c + 4] += 1.5
        x[i, rng.integers(20, N_FRAMES + 1) :] = 0.0
    return x, y


@pytest.mark.parametrize("name", NAMES)
def test_learns_a_separable_toy_problem(name: str) -> None:
    x, y = toy_problem()
    model = tiny(name)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    accuracy = float(np.mean(np.argmax(logits(model, x), axis=1) == y))
    assert accuracy >= 0.9, f"{name}: training accuracy {accuracy:.2f}"


def test_default_models_are_small() -> None:
    for name in NAMES:
        shape = (150, 384) if name == "whisper_head" else (300, 120)
        n = arch.count_params(arch.build(name, shape, 8))
        assert 10_000 < n < 1_000_000, f"{name}: {n} parameters"


def test_unknown_architecture_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown architecture 'transformer'.*cnn_bilstm_attention"):
        arch.build("transformer", (N_FRAMES, N_FEATURES), N_CLASSES)


@pytest.mark.parametrize(
    ("name", "shape", "n_classes", "params", "match"),
    [
        ("lstm", (N_FRAMES, N_FEATURES), N_CLASSES, {"depth": 3}, "unknown parameter.*depth"),
        ("lstm", (N_FRAMES, N_FEATURES), N_CLASSES, {"units": ()}, "units"),
        ("cnn", (N_FRAMES, N_FEATURES), N_CLASSES, {"dropout": 1.0}, "dropout"),
        ("cnn_lstm", (N_FRAMES, N_FEATURES), N_CLASSES, {"kernel_size": 0}, "kernel_size"),
        ("whisper_head", (N_FRAMES, N_FEATURES), N_CLASSES, {"extra_dim": -1}, "extra_dim"),
        ("cnn", (N_FRAMES, N_FEATURES), N_CLASSES, {"pool_features": "yes"}, "pool_features"),
        ("cnn", (N_FEATURES,), N_CLASSES, {}, "input_shape"),
        ("cnn", (0, N_FEATURES), N_CLASSES, {}, "input_shape"),
        ("cnn", (N_FRAMES, None), N_CLASSES, {}, "input_shape"),
        ("cnn", (N_FRAMES, N_FEATURES), 1, {}, "n_classes"),
    ],
)
def test_bad_arguments_are_config_errors(name, shape, n_classes, params, match) -> None:
    with pytest.raises(ConfigError, match=match):
        arch.build(name, shape, n_classes, **params)


FRONT = {"clip_norm": "meanvar", "spec_augment": (2, 8, 2, 4)}


@pytest.mark.parametrize("name", ["cnn", "lstm", "cnn_lstm", "cnn_bilstm_attention"])
def test_clip_norm_and_spec_augment_keep_padding_invariance_and_round_trip(name: str, tmp_path) -> None:
    extra = {**FRONT, **({"time_pool": 4} if name == "lstm" else {})}
    model = tiny(name, n_frames=None, **extra)
    x = random_frames(1, 29, seed=5)  # 29 frames: not a multiple of the time pooling
    padded = np.concatenate([x, np.zeros((1, 14, N_FEATURES), "float32")], axis=1)
    alone = logits(model, x)
    np.testing.assert_allclose(logits(model, padded), alone, atol=1e-4)
    # A clip's own level and scale no longer matter with per-clip mean/variance normalisation
    # (up to the small epsilon added to the variance).
    np.testing.assert_allclose(logits(model, 3.0 * x + 2.0), alone, atol=1e-2)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(logits(again, x), alone, atol=1e-6)


def test_spec_augment_masks_only_in_training() -> None:
    layer = arch.SpecAugment(time_masks=1, time_width=10, freq_masks=1, freq_width=5, seed=1)
    x = np.ones((4, 50, N_FEATURES), "float32")
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    masked = np.asarray(layer(x, training=True))
    assert set(np.unique(masked)) <= {0.0, 1.0}
    zero_frames = (masked == 0).all(axis=2).sum(axis=1)
    zero_bands = (masked == 0).all(axis=1).sum(axis=1)
    assert zero_frames.max() <= 10 and zero_bands.max() <= 5 and (masked == 0).any()


def test_masked_average_pooling_averages_real_frames_only() -> None:
    x = np.arange(1, 6, dtype="float32").reshape(1, 5, 1) * np.ones((1, 5, 2), "float32")
    mask = np.array([[True, True, True, True, True]])
    padded = np.concatenate([x, np.zeros((1, 3, 2), "float32")], axis=1)
    pooled, pooled_mask = arch.MaskedAveragePooling1D(2)([x, mask])
    pooled_padded, _ = arch.MaskedAveragePooling1D(2)([padded, np.array([[True] * 5 + [False] * 3])])
    np.testing.assert_allclose(np.asarray(pooled)[0, :, 0], [1.5, 3.5, 5.0])
    np.testing.assert_allclose(np.asarray(pooled_padded)[0, :3], np.asarray(pooled)[0])
    assert np.asarray(pooled_mask).tolist() == [[True, True, True]]


@pytest.mark.parametrize(
    ("params", "match"),
    [({"clip_norm": "cmvn"}, "clip_norm"), ({"spec_augment": (2, 8)}, "spec_augment"), ({"spec_augment": (2, -1, 2, 4)}, "spec_augment"),
     ({"time_pool": 0}, "time_pool")],
)
def test_bad_frame_front_arguments_are_config_errors(params, match) -> None:
    with pytest.raises(ConfigError, match=match):
        arch.build("lstm", (N_FRAMES, N_FEATURES), N_CLASSES, **params)
