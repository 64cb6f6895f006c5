"""Small Keras 3 model builders for speech emotion recognition.

Every builder takes ``input_shape = (n_frames, n_features)`` (``n_frames`` may be None for
variable length) and ``n_classes``, plus keyword hyper-parameters, and returns an
UNCOMPILED ``keras.Model`` whose output is logits from a final ``Dense(n_classes, name="logits")``
(no softmax, so probabilities can be temperature-calibrated later).

Padding: a frame whose features are all exactly zero is padding. Each model computes the frame
mask ``any(x != 0, axis=-1)`` and ignores padded frames in its recurrent and pooling layers;
convolutional blocks zero the padded frames again after each activation and downsample the
mask with the same pooling. So in inference mode a clip's logits do not change when it is
zero-padded (up to float round-off). In training, BatchNormalization statistics still see the
padded frames.

The custom layers below are registered under the package "ser", so a saved ``.keras`` model
loads with ``keras.saving.load_model(path, safe_mode=True)`` once this module is imported.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ser.quiet import keras as _quiet_keras

_quiet_keras()  # TensorFlow imported without its log noise, before keras loads it
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from ser.errors import ConfigError  # noqa: E402

InputShape = tuple[int | None, int]
_NEG = -1e9  # score given to padded frames before the attention softmax


# --------------------------------------------------------------------------- custom layers


def _bool_mask(mask: Any) -> Any:
    return mask if mask.dtype == "bool" else ops.cast(mask, "bool")


def _frame_weights(mask: Any, x: Any) -> Any:
    """The (batch, frames) mask as 0/1 in x's dtype, shaped to broadcast against x."""
    m = ops.cast(mask, x.dtype)
    for _ in range(len(x.shape) - 2):
        m = ops.expand_dims(m, -1)
    return m


@keras.saving.register_keras_serializable(package="ser")
class FrameMask(keras.layers.Layer):
    """(batch, frames, features) -> boolean (batch, frames): True where any feature is non-zero."""

    def call(self, inputs: Any) -> Any:
        return ops.any(ops.not_equal(inputs, 0), axis=-1)


@keras.saving.register_keras_serializable(package="ser")
class MaskPooling(keras.layers.Layer):
    """Downsample a (batch, frames) mask as MaxPooling(pool_size, padding="same") does the frames."""

    def __init__(self, pool_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)

    def call(self, inputs: Any) -> Any:
        m = ops.expand_dims(ops.cast(inputs, "float32"), -1)
        m = ops.max_pool(m, pool_size=self.pool_size, strides=self.pool_size, padding="same")
        return ops.squeeze(m, -1) > 0

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="ser")
class ApplyMask(keras.layers.Layer):
    """[x (batch, frames, ...), mask (batch, frames)] -> x with padded frames set to zero."""

    def call(self, inputs: Sequence[Any]) -> Any:
        x, mask = inputs
        return x * _frame_weights(mask, x)


class _Pooling(keras.layers.Layer):
    """Base for pooling layers that take the mask as an explicit input.

    A Keras mask riding on ``x`` (e.g. from a masked RNN) is consumed here, not passed on.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None


@keras.saving.register_keras_serializable(package="ser")
class MaskedStatsPooling(_Pooling):
    """[x (batch, frames, ..., channels), mask (batch, frames)] -> masked mean (and std) per channel.

    Pools over every axis between batch and channels, counting only unmasked frames.
    Output is ``mean`` or ``concat([mean, std])`` of shape (batch, channels or 2*channels).
    """

    def __init__(self, with_std: bool = True, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.with_std = bool(with_std)
        self.epsilon = float(epsilon)

    def call(self, inputs: Sequence[Any]) -> Any:
        x, mask = inputs
        w = _frame_weights(mask, x) * ops.ones_like(x[..., :1])
        axes = tuple(range(1, len(x.shape) - 1))
        count = ops.maximum(ops.sum(w, axis=axes), 1.0)
        mean = ops.sum(x * w, axis=axes) / count
        if not self.with_std:
            return mean
        centred = x - ops.reshape(mean, (-1,) + (1,) * len(axes) + (x.shape[-1],))
        var = ops.sum(w * ops.square(centred), axis=axes) / count
        return ops.concatenate([mean, ops.sqrt(var + self.epsilon)], axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "with_std": self.with_std, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="ser")
class AttentionPooling(_Pooling):
    """[x (batch, frames, d), mask (batch, frames)] -> (batch, d): additive attention, masked softmax.

    score_t = v . tanh(W x_t + b); padded frames get weight 0.
    """

    def __init__(self, units: int = 64, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape: Sequence[tuple]) -> None:
        d = input_shape[0][-1]
        self.w = self.add_weight(shape=(d, self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.v = self.add_weight(shape=(self.units, 1), initializer="glorot_uniform", name="v")

    def call(self, inputs: Sequence[Any]) -> Any:
        x, mask = inputs
        scores = ops.squeeze(ops.matmul(ops.tanh(ops.matmul(x, self.w) + self.b), self.v), -1)
        keep = _bool_mask(mask)
        scores = ops.where(keep, scores, ops.full_like(scores, _NEG))
        # Softmax over unmasked frames; a clip with no frame at all pools to zeros.
        e = ops.exp(scores - ops.max(scores, axis=-1, keepdims=True)) * ops.cast(keep, x.dtype)
        weights = e / ops.maximum(ops.sum(e, axis=-1, keepdims=True), 1e-12)
        return ops.sum(x * ops.expand_dims(weights, -1), axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="ser")
class ClipNorm(keras.layers.Layer):
    """[x (batch, frames, features), mask (batch, frames)] -> x normalised per clip (CMVN).

    Each clip's own mean over its real frames is subtracted per feature (and, with
    ``scale=True``, each feature is divided by the clip's own standard deviation). This takes
    away what is constant within a clip, such as the speaker's voice timbre, the microphone and
    the level, and keeps how the frames move. Padded frames stay zero.
    """

    def __init__(self, scale: bool = True, epsilon: float = 1e-2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = bool(scale)
        self.epsilon = float(epsilon)

    def call(self, inputs: Sequence[Any]) -> Any:
        x, mask = inputs
        w = _frame_weights(mask, x)
        count = ops.maximum(ops.sum(w, axis=1, keepdims=True), 1.0)
        mean = ops.sum(x * w, axis=1, keepdims=True) / count
        centred = (x - mean) * w
        if not self.scale:
            return centred
        var = ops.sum(ops.square(centred), axis=1, keepdims=True) / count
        return centred / ops.sqrt(var + self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="ser")
class SpecAugment(keras.layers.Layer):
    """SpecAugment-style masking, in training only: ``time_masks`` runs of up to ``time_width``
    frames and ``freq_masks`` bands of up to ``freq_width`` features are set to zero (the
    normalised mean), independently per clip. At inference it is the identity.
    """

    def __init__(self, time_masks: int = 2, time_width: int = 20, freq_masks: int = 2, freq_width: int = 8,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.time_masks, self.time_width = int(time_masks), int(time_width)
        self.freq_masks, self.freq_width = int(freq_masks), int(freq_width)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _keep(self, batch: Any, length: Any, n_masks: int, width: int) -> Any:
        """(batch, length) float: 0 inside the random masks, 1 elsewhere."""
        positions = ops.cast(ops.expand_dims(ops.arange(length), 0), "float32")
        keep = ops.ones((batch, length), "float32")
        for _ in range(n_masks):
            size = ops.floor(keras.random.uniform((batch, 1), 0.0, width + 1.0, seed=self.generator))
            start = ops.floor(keras.random.uniform((batch, 1), seed=self.generator) * ops.maximum(ops.cast(length, "float32") - size, 0.0))
            inside = ops.logical_and(positions >= start, positions < start + size)
            keep = keep * (1.0 - ops.cast(inside, "float32"))
        return keep

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not training:
            return inputs
        shape = ops.shape(inputs)
        batch, frames, features = shape[0], shape[1], shape[2]
        x = inputs
        if self.time_masks and self.time_width:
            x = x * ops.cast(ops.expand_dims(self._keep(batch, frames, self.time_masks, self.time_width), -1), x.dtype)
        if self.freq_masks and self.freq_width:
            x = x * ops.cast(ops.expand_dims(self._keep(batch, features, self.freq_masks, self.freq_width), 1), x.dtype)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "time_masks": self.time_masks, "time_width": self.time_width,
                "freq_masks": self.freq_masks, "freq_width": self.freq_width, "seed": self.seed}


@keras.saving.register_keras_serializable(package="ser")
class MaskedAveragePooling1D(keras.layers.Layer):
    """[x (batch, frames, d), mask (batch, frames)] -> [x pooled, mask pooled]: the average of each
    run of ``pool_size`` frames over its real frames only, windows aligned at the first frame, so
    padding at the end neither dilutes nor shifts any pooled frame."""

    def __init__(self, pool_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)

    def call(self, inputs: Sequence[Any]) -> list[Any]:
        x, mask = inputs
        k = self.pool_size
        w = _frame_weights(mask, x)
        shape = ops.shape(x)
        extra = (-shape[1]) % k
        xw = ops.pad(x * w, [[0, 0], [0, extra], [0, 0]])
        w = ops.pad(w, [[0, 0], [0, extra], [0, 0]])
        n = (shape[1] + extra) // k
        total = ops.sum(ops.reshape(xw, (shape[0], n, k, shape[2])), axis=2)
        count = ops.sum(ops.reshape(w, (shape[0], n, k, 1)), axis=2)
        return [total / ops.maximum(count, 1.0), ops.squeeze(count, -1) > 0]

    def compute_output_shape(self, input_shape: Sequence[tuple]) -> list[tuple]:
        batch, frames, dims = input_shape[0]
        pooled = None if frames is None else -(-frames // self.pool_size)
        return [(batch, pooled, dims), (batch, pooled)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size}


# --------------------------------------------------------------------------- argument checks


def _check_shape(input_shape: Any) -> InputShape:
    ok = isinstance(input_shape, (tuple, list)) and len(input_shape) == 2
    if ok:
        n_frames, n_features = input_shape
        ok = (n_frames is None or _is_pos_int(n_frames)) and _is_pos_int(n_features)
    if not ok:
        raise ConfigError(f"input_shape must be (n_frames or None, n_features) with positive integers, got {input_shape!r}")
    return (None if n_frames is None else int(n_frames), int(n_features))


def _check_classes(n_classes: Any) -> int:
    if not _is_pos_int(n_classes) or n_classes < 2:
        raise ConfigError(f"n_classes must be an integer of at least 2, got {n_classes!r}")
    return int(n_classes)


def _is_pos_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _pos_int(name: str, value: Any) -> int:
    if not _is_pos_int(value):
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _pos_ints(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value or not all(map(_is_pos_int, value)):
        raise ConfigError(f"{name} must be a non-empty sequence of positive integers, got {value!r}")
    return tuple(int(v) for v in value)


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ConfigError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _nonneg_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- shared blocks


def _logits(x: Any, n_classes: int) -> Any:
    return layers.Dense(n_classes, name="logits")(x)


def _conv1d_front(x: Any, mask: Any, filters: tuple[int, ...], kernel_size: int, dropout: float) -> tuple[Any, Any]:
    """Conv1D+BN+ReLU+MaxPool1D(2) per entry of ``filters``, then Dropout; returns (x, pooled mask)."""
    for i, f in enumerate(filters, 1):
        x = layers.Conv1D(f, kernel_size, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.Activation("relu", name=f"conv{i}_relu")(x)
        x = ApplyMask(name=f"conv{i}_mask")([x, mask])  # ReLU output >= 0, so zeros never win the max
        x = layers.MaxPooling1D(2, padding="same", name=f"conv{i}_pool")(x)
        mask = MaskPooling(2, name=f"conv{i}_mask_pool")(mask)
    return layers.Dropout(dropout, name="conv_dropout")(x), mask


CLIP_NORMS = ("none", "mean", "meanvar")


def _frame_front(inputs: Any, mask: Any, clip_norm: str, spec_augment: Sequence[int] | None) -> Any:
    """Optional per-clip normalisation (``clip_norm``) and training-time SpecAugment masking
    (``spec_augment = (time_masks, time_width, freq_masks, freq_width)``) of the input frames.
    Adds no layer when both are off, so models saved before these options load unchanged."""
    if clip_norm not in CLIP_NORMS:
        raise ConfigError(f"clip_norm must be one of {', '.join(CLIP_NORMS)}, got {clip_norm!r}")
    x = inputs
    if clip_norm != "none":
        x = ClipNorm(scale=clip_norm == "meanvar", name="clip_norm")([x, mask])
    if spec_augment is not None:
        ok = isinstance(spec_augment, Sequence) and len(spec_augment) == 4 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in spec_augment)
        if not ok:
            raise ConfigError("spec_augment must be [time_masks, time_width, freq_masks, freq_width], integers of 0 or more, "
                              f"got {spec_augment!r}")
        x = SpecAugment(*(int(v) for v in spec_augment), name="spec_augment")(x)
    return x


def _frames_input(input_shape: InputShape) -> Any:
    return keras.Input(shape=input_shape, name="frames")


# --------------------------------------------------------------------------- builders


def cnn(
    input_shape: InputShape,
    n_classes: int,
    *,
    filters: Sequence[int] = (16, 32, 64, 128),
    dense_units: int = 128,
    dropout: float = 0.2,
    dense_dropout: float = 0.4,
    pool_features: bool = False,
    clip_norm: str = "none",
    spec_augment: Sequence[int] | None = None,
) -> keras.Model:
    """2-D CNN over the (frames x features) matrix as a 1-channel image ("001" style).

    Blocks of Conv2D(3x3)+BN+ReLU+MaxPool(2x2)+Dropout, masked average pooling, Dense+Dropout,
    logits. The average runs over time only and keeps the (pooled) feature axis, since where in
    the spectrum a pattern sits matters; ``pool_features=True`` averages over features too
    (plain global average pooling). Padded frames are zeroed after each block and the mask is
    pooled along time, so the average only covers real frames. ``clip_norm`` and
    ``spec_augment``: see ``_frame_front`` (every frame-level builder takes them).
    """
    n_frames, n_features = _check_shape(input_shape)
    n_classes = _check_classes(n_classes)
    filters = _pos_ints("filters", filters)
    dense_units = _pos_int("dense_units", dense_units)
    dropout, dense_dropout = _rate("dropout", dropout), _rate("dense_dropout", dense_dropout)
    if not isinstance(pool_features, bool):
        raise ConfigError(f"pool_features must be true or false, got {pool_features!r}")

    inputs = _frames_input((n_frames, n_features))
    mask = FrameMask(name="frame_mask")(inputs)
    x = _frame_front(inputs, mask, clip_norm, spec_augment)
    x = layers.Reshape((-1, n_features, 1), name="to_image")(x)
    for i, f in enumerate(filters, 1):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.Activation("relu", name=f"conv{i}_relu")(x)
        x = ApplyMask(name=f"conv{i}_mask")([x, mask])
        x = layers.MaxPooling2D(2, padding="same", name=f"conv{i}_pool")(x)
        mask = MaskPooling(2, name=f"conv{i}_mask_pool")(mask)
        x = layers.Dropout(dropout, name=f"conv{i}_dropout")(x)
    if not pool_features:
        x = layers.Reshape((-1, x.shape[2] * x.shape[3]), name="to_frames")(x)
    x = MaskedStatsPooling(with_std=False, name="avg_pool")([x, mask])
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dense_dropout, name="dense_dropout")(x)
    return keras.Model(inputs, _logits(x, n_classes), name="cnn")


def lstm(
    input_shape: InputShape,
    n_classes: int,
    *,
    units: Sequence[int] = (128, 64),
    dense_units: Sequence[int] = (128, 64, 32),
    dropout: float = 0.3,
    time_pool: int = 1,
    clip_norm: str = "none",
    spec_augment: Sequence[int] | None = None,
) -> keras.Model:
    """Stacked LSTMs on the masked frames (last returns its final state) -> Dense+BN+ReLU+Dropout
    blocks -> logits ("003"). ``time_pool > 1`` first averages each ``time_pool`` real frames
    (a shorter sequence is cheaper and easier for an LSTM to carry to its final state)."""
    n_frames, n_features = _check_shape(input_shape)
    n_classes = _check_classes(n_classes)
    units, dense_units = _pos_ints("units", units), _pos_ints("dense_units", dense_units)
    dropout, time_pool = _rate("dropout", dropout), _pos_int("time_pool", time_pool)

    inputs = _frames_input((n_frames, n_features))
    mask = FrameMask(name="frame_mask")(inputs)
    x = _frame_front(inputs, mask, clip_norm, spec_augment)
    if time_pool > 1:
        x, mask = MaskedAveragePooling1D(time_pool, name="time_pool")([x, mask])
    for i, u in enumerate(units, 1):
        x = layers.LSTM(u, return_sequences=i < len(units), name=f"lstm{i}")(x, mask=mask)
    for i, u in enumerate(dense_units, 1):
        x = layers.Dense(u, use_bias=False, name=f"dense{i}")(x)
        x = layers.BatchNormalization(name=f"dense{i}_bn")(x)
        x = layers.Activation("relu", name=f"dense{i}_relu")(x)
        x = layers.Dropout(dropout, name=f"dense{i}_dropout")(x)
    return keras.Model(inputs, _logits(x, n_classes), name="lstm")


def cnn_lstm(
    input_shape: InputShape,
    n_classes: int,
    *,
    filters: Sequence[int] = (64, 128),
    kernel_size: int = 5,
    lstm_units: int = 128,
    dense_units: int = 64,
    dropout: float = 0.3,
    clip_norm: str = "none",
    spec_augment: Sequence[int] | None = None,
) -> keras.Model:
    """Conv1D front end over time -> LSTM on the pooled, masked frames -> Dense -> logits ("EmoChat")."""
    n_frames, n_features = _check_shape(input_shape)
    n_classes = _check_classes(n_classes)
    filters, kernel_size = _pos_ints("filters", filters), _pos_int("kernel_size", kernel_size)
    lstm_units, dense_units = _pos_int("lstm_units", lstm_units), _pos_int("dense_units", dense_units)
    dropout = _rate("dropout", dropout)

    inputs = _frames_input((n_frames, n_features))
    mask = FrameMask(name="frame_mask")(inputs)
    x = _frame_front(inputs, mask, clip_norm, spec_augment)
    x, mask = _conv1d_front(x, mask, filters, kernel_size, dropout)
    x = layers.LSTM(lstm_units, name="lstm")(x, mask=mask)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dense_dropout")(x)
    return keras.Model(inputs, _logits(x, n_classes), name="cnn_lstm")


def cnn_bilstm_attention(
    input_shape: InputShape,
    n_classes: int,
    *,
    filters: Sequence[int] = (64, 128),
    kernel_size: int = 5,
    rnn_units: int = 64,
    attention_units: int = 64,
    dense_units: int = 64,
    dropout: float = 0.3,
    clip_norm: str = "none",
    spec_augment: Sequence[int] | None = None,
) -> keras.Model:
    """Conv1D front end -> BiLSTM -> BiGRU -> masked additive attention pooling -> Dense -> logits ("004")."""
    n_frames, n_features = _check_shape(input_shape)
    n_classes = _check_classes(n_classes)
    filters, kernel_size = _pos_ints("filters", filters), _pos_int("kernel_size", kernel_size)
    rnn_units, attention_units = _pos_int("rnn_units", rnn_units), _pos_int("attention_units", attention_units)
    dense_units, dropout = _pos_int("dense_units", dense_units), _rate("dropout", dropout)

    inputs = _frames_input((n_frames, n_features))
    mask = FrameMask(name="frame_mask")(inputs)
    x = _frame_front(inputs, mask, clip_norm, spec_augment)
    x, mask = _conv1d_front(x, mask, filters, kernel_size, dropout)
    x = layers.Bidirectional(layers.LSTM(rnn_units, return_sequences=True), name="bilstm")(x, mask=mask)
    x = layers.Bidirectional(layers.GRU(rnn_units, return_sequences=True), name="bigru")(x, mask=mask)
    x = AttentionPooling(attention_units, name="attention")([x, mask])
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dense_dropout")(x)
    return keras.Model(inputs, _logits(x, n_classes), name="cnn_bilstm_attention")


def whisper_head(
    input_shape: InputShape,
    n_classes: int,
    *,
    hidden_units: int = 256,
    attention_units: int = 128,
    dense_units: int = 128,
    extra_dim: int = 0,
    extra_units: int = 128,
    input_dropout: float = 0.1,
    dropout: float = 0.3,
    pooling: str = "both",
    layer_norm: bool = True,
    input_noise: float = 0.0,
    l2: float = 0.0,
    pooled_norm: bool = False,
) -> keras.Model:
    """Head over Whisper encoder frames (frames x 384).

    [GaussianNoise] -> [LayerNorm] -> Dropout -> [Dense(gelu) per frame] -> pooling -> Dropout ->
    [Dense(gelu) -> Dropout] -> logits. ``pooling`` is "both" (masked attention + mean/std),
    "stats" (masked mean/std), "mean" or "attention"; ``hidden_units=0`` pools the input frames
    directly and ``dense_units=0`` goes straight from the pooled vector to the logits (with
    ``l2`` weight decay this is a logistic regression on pooled encoder features; ``pooled_norm``
    standardises the pooled vector with batch normalisation first). With
    ``extra_dim > 0`` the model takes two inputs, ``[frames, extra]``; ``extra`` (batch, extra_dim)
    goes through Dense(extra_units, gelu) and is concatenated after pooling.
    """
    n_frames, n_features = _check_shape(input_shape)
    n_classes = _check_classes(n_classes)
    hidden_units, dense_units = _nonneg_int("hidden_units", hidden_units), _nonneg_int("dense_units", dense_units)
    attention_units, extra_units = _pos_int("attention_units", attention_units), _pos_int("extra_units", extra_units)
    extra_dim = _nonneg_int("extra_dim", extra_dim)
    input_dropout, dropout = _rate("input_dropout", input_dropout), _rate("dropout", dropout)
    if pooling not in ("both", "stats", "mean", "attention"):
        raise ConfigError(f"pooling must be both, stats, mean or attention, not {pooling!r}")
    if input_noise < 0 or l2 < 0:
        raise ConfigError("input_noise and l2 must be 0 or more")
    regularizer = keras.regularizers.L2(l2) if l2 else None

    frames = _frames_input((n_frames, n_features))
    mask = FrameMask(name="frame_mask")(frames)
    x = frames
    if input_noise:
        x = layers.GaussianNoise(input_noise, name="input_noise")(x)
    if layer_norm:
        x = layers.LayerNormalization(name="frame_norm")(x)
    x = layers.Dropout(input_dropout, name="input_dropout")(x)
    if hidden_units:
        x = layers.Dense(hidden_units, activation="gelu", kernel_regularizer=regularizer, name="frame_dense")(x)
    pooled = []
    if pooling in ("both", "attention"):
        pooled.append(AttentionPooling(attention_units, name="attention")([x, mask]))
    if pooling in ("both", "stats", "mean"):
        pooled.append(MaskedStatsPooling(with_std=pooling != "mean", name="stats_pool")([x, mask]))
    inputs: Any = frames
    if extra_dim:
        extra = keras.Input(shape=(extra_dim,), name="extra")
        pooled.append(layers.Dense(extra_units, activation="gelu", name="extra_dense")(extra))
        inputs = [frames, extra]
    x = pooled[0] if len(pooled) == 1 else layers.Concatenate(name="pooled")(pooled)
    if pooled_norm:  # standardise the pooled vector (what a linear classifier on pooled features needs)
        x = layers.BatchNormalization(name="pooled_norm")(x)
    x = layers.Dropout(dropout, name="pooled_dropout")(x)
    if dense_units:
        x = layers.Dense(dense_units, activation="gelu", kernel_regularizer=regularizer, name="dense")(x)
        x = layers.Dropout(dropout, name="dense_dropout")(x)
    logits = layers.Dense(n_classes, kernel_regularizer=regularizer, name="logits")(x)
    return keras.Model(inputs, logits, name="whisper_head")


@keras.saving.register_keras_serializable(package="ser")
class LayerWeighting(keras.layers.Layer):
    """(batch, n_states, dims) -> (batch, dims): a softmax-weighted sum of an encoder's hidden
    states, the weights learnt (all equal at the start). Emotion is strongest in the middle layers
    of Whisper's encoder; the learnt weights say which ones this model leans on."""

    def build(self, input_shape: tuple) -> None:
        self.logits = self.add_weight(name="state_logits", shape=(int(input_shape[1]),), initializer="zeros")

    def call(self, inputs: Any) -> Any:
        weights = ops.softmax(self.logits)
        return ops.sum(inputs * ops.reshape(weights, (1, -1, 1)), axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[2])


def layer_head(
    input_shape: tuple[int],
    n_classes: int,
    *,
    n_states: int = 7,
    combine: str = "weighted",
    projection_units: int = 0,
    hidden_units: int = 256,
    input_dropout: float = 0.2,
    dropout: float = 0.4,
    l2: float = 1e-3,
) -> keras.Model:
    """Head over the pooled hidden states of a Whisper encoder (``InputSpec(kind="layers")``):
    one vector of ``n_states`` blocks (mean and std over time of each state), standardised per value.

    Reshape to (n_states, block) -> Dropout -> [Dense(projection_units, gelu) per state] ->
    ``combine``: "weighted" (a learnt softmax weighting of the states, ``LayerWeighting``) or
    "concat" -> [Dense(hidden_units, gelu) -> Dropout] -> logits.
    """
    if not (isinstance(input_shape, tuple | list) and len(input_shape) == 1 and _is_pos_int(input_shape[0])):
        raise ConfigError(f"layer_head needs input_shape (n_values,), got {input_shape!r}")
    n_classes = _check_classes(n_classes)
    n_states = _pos_int("n_states", n_states)
    if input_shape[0] % n_states:
        raise ConfigError(f"{input_shape[0]} input values do not split into {n_states} states")
    if combine not in ("weighted", "concat"):
        raise ConfigError(f"combine must be weighted or concat, not {combine!r}")
    projection_units, hidden_units = _nonneg_int("projection_units", projection_units), _nonneg_int("hidden_units", hidden_units)
    input_dropout, dropout = _rate("input_dropout", input_dropout), _rate("dropout", dropout)
    if l2 < 0:
        raise ConfigError("l2 must be 0 or more")
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(int(input_shape[0]),), name="states")
    x = layers.Reshape((n_states, int(input_shape[0]) // n_states), name="per_state")(inputs)
    x = layers.Dropout(input_dropout, name="input_dropout")(x)
    if projection_units:
        x = layers.Dense(projection_units, activation="gelu", kernel_regularizer=regularizer, name="state_projection")(x)
    x = LayerWeighting(name="layer_weights")(x) if combine == "weighted" else layers.Flatten(name="concat")(x)
    if hidden_units:
        x = layers.Dense(hidden_units, activation="gelu", kernel_regularizer=regularizer, name="dense")(x)
        x = layers.Dropout(dropout, name="dense_dropout")(x)
    logits = layers.Dense(n_classes, kernel_regularizer=regularizer, name="logits")(x)
    return keras.Model(inputs, logits, name="layer_head")


# --------------------------------------------------------------------------- registry

ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "cnn": cnn,
    "lstm": lstm,
    "cnn_lstm": cnn_lstm,
    "cnn_bilstm_attention": cnn_bilstm_attention,
    "whisper_head": whisper_head,
    "layer_head": layer_head,
}


def build(name: str, input_shape: InputShape | tuple[int], n_classes: int, **params: Any) -> keras.Model:
    """Build the registered architecture ``name``; ConfigError for an unknown name or bad params."""
    builder = ARCHITECTURES.get(name) if isinstance(name, str) else None
    if builder is None:
        raise ConfigError(f"unknown architecture {name!r} (known: {', '.join(ARCHITECTURES)})")
    allowed = [p.name for p in inspect.signature(builder).parameters.values() if p.kind is p.KEYWORD_ONLY]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown parameter(s) for {name}: {', '.join(unknown)} (allowed: {', '.join(allowed)})")
    return builder(input_shape, n_classes, **params)


def count_params(model: keras.Model) -> int:
    """Total number of weights (trainable and not) in ``model``."""
    return int(model.count_params())
