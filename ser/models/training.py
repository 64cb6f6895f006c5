"""Training: a ``ModelSpec`` plus features and labels → a ``Fitted`` model.

Every fit holds out whole speakers of its training data for validation (early stopping and
temperature scaling), so no fold ever sees a test speaker and no calibration is fitted on the
data it is judged on. Features pass one global normaliser fitted on the training data; with
``speaker_norm=True`` each speaker's own mean is subtracted first (speaker normalisation, see
``ser.models.speaker_norm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ser.errors import ConfigError
from ser.models.inputs import InputSpec
from ser.models.speaker_norm import Normalizer, feature_mean
from ser.models.temperature import fit_temperature, logits_from_proba, softmax
from ser.serialize import from_mapping

CLASSIC = ("svm", "random_forest")
VECTOR_KERAS = ("layer_head",)  # Keras builders (ser.models.architectures) that take one vector per clip


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to (re)train one model, stored in its meta.json."""

    name: str
    architecture: str
    input: InputSpec = field(default_factory=InputSpec)
    params: dict[str, Any] = field(default_factory=dict)
    epochs: int = 60
    batch_size: int = 32
    learning_rate: float = 1e-3
    patience: int = 10
    max_frames: int = 400
    val_fraction: float = 0.15
    seed: int = 0
    augment_copies: int = 0  # augmented copies of every training clip (ser.audio.augment), 0 = off
    augment_config: dict[str, Any] = field(default_factory=dict)  # AugmentConfig fields; {} = defaults
    # "class": every class weighs the same; "corpus_class": every (corpus, class) pair present weighs
    # the same, so a large corpus (nEMO, TESS) does not drown a small one and a class that only a few
    # corpora have (calm, disgust) still counts fully.
    balance: str = "class"
    # Speakers left out of the final fit (not of the evaluation protocols): clips the shipped model
    # never heard, which the app offers as examples and a test scores (ser.data.demo).
    holdout_speakers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.input, dict):
            object.__setattr__(self, "input", InputSpec.from_dict(self.input))
        object.__setattr__(self, "holdout_speakers", tuple(self.holdout_speakers))
        if self.architecture in CLASSIC and self.input.is_sequence:
            raise ConfigError(f"{self.architecture} needs utterance statistics (input kind 'stats')")
        if self.architecture in VECTOR_KERAS and self.input.is_sequence:
            raise ConfigError(f"{self.architecture} needs one vector per clip (input kind 'layers' or 'stats')")
        if self.architecture not in CLASSIC + VECTOR_KERAS and not self.input.is_sequence:
            raise ConfigError(f"{self.architecture} needs frame-level input ('frames' or 'whisper')")
        if self.augment_copies < 0:
            raise ConfigError("augment_copies must be 0 or more")
        if self.balance not in ("class", "corpus_class"):
            raise ConfigError(f"balance must be class or corpus_class, not {self.balance!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.max_frames < 1 or not 0 < self.val_fraction < 0.5:
            raise ConfigError("epochs, batch_size and max_frames must be positive and val_fraction in (0, 0.5)")

    @property
    def is_keras(self) -> bool:
        return self.architecture not in CLASSIC

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "architecture": self.architecture,
            "input": self.input.to_dict(),
            "params": dict(self.params),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "patience": self.patience,
            "max_frames": self.max_frames,
            "val_fraction": self.val_fraction,
            "seed": self.seed,
            "augment_copies": self.augment_copies,
            "augment_config": dict(self.augment_config),
            # only when set: keeps older meta.json files stable
            **({"balance": self.balance} if self.balance != "class" else {}),
            **({"holdout_speakers": list(self.holdout_speakers)} if self.holdout_speakers else {}),
        }

    def augmentations(self) -> list:
        """The augmented copies training uses (``ser.audio.augment.Augmentation``), none when off."""
        from ser.audio.augment import Augmentation, AugmentConfig

        config = AugmentConfig.from_dict(self.augment_config).to_dict()
        return [Augmentation(config, self.seed, copy) for copy in range(1, self.augment_copies + 1)]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        return from_mapping(cls, data)


@dataclass
class Fitted:
    """A trained model with its normaliser and temperature; predicts calibrated probabilities."""

    spec: ModelSpec
    labels: tuple[str, ...]
    model: Any
    normalizer: Normalizer | None  # None: inputs are already normalised
    speaker_norm: bool = False  # True: inputs must be centred on their speaker's mean first
    temperature: float = 1.0
    history: dict[str, list[float]] = field(default_factory=dict)

    def logits(self, features: Sequence[np.ndarray], speaker_mean: np.ndarray | None = None) -> np.ndarray:
        """Raw logits (before temperature). A speaker-normalised model needs ``speaker_mean``, the mean
        feature vector of a few clips of the speaker (``ser.models.speaker_norm.feature_mean``)."""
        if self.speaker_norm:
            if speaker_mean is None:
                raise ConfigError("this model variant needs the speaker's mean (speaker normalisation)")
            features = [f - speaker_mean for f in features]
        xs = [self.normalizer.apply(f) for f in features] if self.normalizer is not None else list(features)
        if self.spec.is_keras:
            batch = pad_batch(xs, self.spec.max_frames)
            return np.asarray(self.model.predict_on_batch(batch) if len(xs) <= 256 else self.model.predict(batch, verbose=0, batch_size=64))
        if self.spec.architecture == "svm":  # one-vs-rest decision values serve as logits
            scores = np.asarray(self.model.decision_function(np.stack(xs)), dtype=np.float64)
            return np.stack([-scores / 2, scores / 2], axis=1) if scores.ndim == 1 else scores
        return logits_from_proba(self.model.predict_proba(np.stack(xs)))

    def proba(self, features: Sequence[np.ndarray], speaker_mean: np.ndarray | None = None) -> np.ndarray:
        """Temperature-calibrated class probabilities, one row per clip."""
        return softmax(self.logits(features, speaker_mean), self.temperature)


def pad_batch(features: Sequence[np.ndarray], max_frames: int) -> np.ndarray:
    """Zero-pad (n_frames, dims) matrices to a common length ≤ max_frames (longer ones are centre-cropped);
    vectors (one per clip) are stacked as they are.

    Zero frames are padding for the models' masks; real frames that are exactly zero everywhere do
    not occur after normalisation.
    """
    if features[0].ndim == 1:
        return np.stack(features).astype(np.float32)
    length = padded_length(features, max_frames)
    out = np.zeros((len(features), length, features[0].shape[1]), np.float32)
    for i, f in enumerate(features):
        f = _centre_crop(f, length)
        out[i, : f.shape[0]] = f
    return out


def padded_length(features: Sequence[np.ndarray], max_frames: int) -> int:
    """The length ``pad_batch`` pads a set of frame matrices to: the longest, at most ``max_frames``."""
    return min(max(f.shape[0] for f in features), max_frames)


def _centre_crop(frames: np.ndarray, length: int) -> np.ndarray:
    if frames.shape[0] <= length:
        return frames
    start = (frames.shape[0] - length) // 2
    return frames[start : start + length]


def training_batches(features: Sequence[np.ndarray], y: np.ndarray, weights: np.ndarray, max_frames: int, batch_size: int):
    """Shuffled training batches of frame matrices, as a ``tf.data.Dataset`` of (x, y, sample weight).

    Each batch is exactly what ``model.fit(pad_batch(features, max_frames), y, sample_weight=weights,
    batch_size=batch_size, shuffle=True)`` would draw (same order, same padded length), but the clips are
    kept unpadded (ragged) and a batch is padded only when it is drawn: the whole padded training set of
    the seven corpora (11,442 clips × 400 frames × 384 values, 7 GB, and Keras's copy of it) no longer has
    to fit in memory. The pipeline follows Keras 3's ``ArrayDataAdapter.get_tf_dataset`` step by step, so
    the shuffle draws the same permutations (``tests/models/test_training_batches.py`` checks that a fit
    gives the same weights both ways).
    """
    import tensorflow as tf

    length = padded_length(features, max_frames)
    clips = [_centre_crop(f, length) for f in features]
    dims = clips[0].shape[1]
    frames = tf.RaggedTensor.from_row_lengths(np.concatenate(clips).astype(np.float32, copy=False),
                                              np.array([c.shape[0] for c in clips], np.int64))
    del clips
    inputs = (frames, np.asarray(y), np.asarray(weights, np.float32))
    num_samples = len(features)
    num_full_batches = num_samples // batch_size
    partial_batch_size = num_samples % batch_size

    def permutation(_):
        indices = tf.range(num_samples, dtype=tf.int64)
        indices = tf.random.shuffle(indices)
        return indices

    def slice_batch_indices(indices):
        num_in_full_batch = num_full_batches * batch_size
        first_k_indices = tf.slice(indices, [0], [num_in_full_batch])
        first_k_indices = tf.reshape(first_k_indices, [num_full_batches, batch_size])
        flat_dataset = tf.data.Dataset.from_tensor_slices(first_k_indices)
        if partial_batch_size:
            index_remainder = tf.data.Dataset.from_tensors(tf.slice(indices, [num_in_full_batch], [partial_batch_size]))
            flat_dataset = flat_dataset.concatenate(index_remainder)
        return flat_dataset

    def grab_batch(i, data):
        x, labels, sample_weight = data
        padded = tf.gather(x, i, axis=0).to_tensor(default_value=0.0, shape=[None, length, dims])
        return padded, tf.gather(labels, i, axis=0), tf.gather(sample_weight, i, axis=0)

    indices_dataset = tf.data.Dataset.range(1).map(permutation).prefetch(1).flat_map(slice_batch_indices)
    dataset = tf.data.Dataset.zip((indices_dataset, tf.data.Dataset.from_tensors(inputs).repeat()))
    dataset = dataset.map(grab_batch, num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    dataset = dataset.with_options(options)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = dataset.with_options(options).prefetch(tf.data.AUTOTUNE)
    n_batches = num_full_batches + (1 if partial_batch_size else 0)
    return dataset.apply(tf.data.experimental.assert_cardinality(n_batches))


def validation_split(speakers: Sequence[str], y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hold out whole speakers (about ``fraction`` of them, at least one) for validation.

    With a single training speaker, a stratified random fraction of clips is held out instead.
    """
    speakers = np.asarray(speakers)
    unique = sorted(set(speakers.tolist()))
    rng = np.random.default_rng(seed)
    if len(unique) >= 2:
        n_val = max(1, int(round(fraction * len(unique))))
        val_speakers = set(rng.choice(unique, size=n_val, replace=False).tolist())
        is_val = np.array([s in val_speakers for s in speakers])
    else:
        from sklearn.model_selection import train_test_split

        idx = np.arange(len(y))
        _, val_idx = train_test_split(idx, test_size=fraction, random_state=seed, stratify=y)
        is_val = np.zeros(len(y), bool)
        is_val[val_idx] = True
    return np.where(~is_val)[0], np.where(is_val)[0]


def fit(
    spec: ModelSpec,
    features: Sequence[np.ndarray],
    y: np.ndarray,
    speakers: Sequence[str],
    labels: Sequence[str],
    *,
    speaker_norm: bool,
    augmented: Sequence[Sequence[np.ndarray]] = (),
    corpora: Sequence[str] | None = None,
    verbose: int = 0,
    progress: str | None = None,
) -> Fitted:
    """Train ``spec`` on ``features`` (one array per clip) with integer labels ``y``.

    ``progress``: a title for a per-epoch progress bar of a Keras fit, drawn on stderr only when
    it is a terminal (``EpochProgress``); None draws nothing.

    ``corpora`` names each clip's corpus; ``spec.balance == "corpus_class"`` needs it.

    ``augmented`` holds augmented copies of the same clips (each a list parallel to
    ``features``); only the copies of training speakers are used, never those of the speakers
    held out for validation.
    """
    y = np.asarray(y)
    if len(features) != len(y) or len(y) != len(speakers) or any(len(a) != len(y) for a in augmented):
        raise ConfigError("features, augmented copies, labels and speakers must have the same length")
    tr, va = validation_split(speakers, y, spec.val_fraction, spec.seed)
    if speaker_norm:  # each copy is centred on the mean of its own speaker's clean clips
        means = {s: feature_mean([features[i] for i in range(len(y)) if speakers[i] == s]) for s in set(speakers)}
        xs = [features[i] - means[speakers[i]] for i in range(len(y))]
        extra = [[copy[i] - means[speakers[i]] for i in tr] for copy in augmented]
    else:
        xs = list(features)
        extra = [[copy[i] for i in tr] for copy in augmented]
    normalizer = Normalizer.fit([xs[i] for i in tr])
    train_x = [normalizer.apply(xs[i]) for i in tr] + [normalizer.apply(x) for copy in extra for x in copy]
    train_y = np.concatenate([y[tr]] * (1 + len(extra)))
    if spec.balance == "corpus_class":
        if corpora is None or len(corpora) != len(y):
            raise ConfigError("balance 'corpus_class' needs the corpus of every clip")
        groups = np.concatenate([np.asarray(corpora)[tr]] * (1 + len(extra)))
        weights = _group_class_weights(train_y, groups)
    else:
        weights = _class_weights(train_y, len(labels))
        weights = np.array([weights[int(c)] for c in train_y])
    val_x = [normalizer.apply(xs[i]) for i in va]
    fitted = Fitted(spec, tuple(labels), None, normalizer, speaker_norm)
    if spec.is_keras:
        fitted.model, fitted.history = _fit_keras(spec, train_x, train_y, weights, val_x, y[va], len(labels), verbose, progress)
    else:
        fitted.model, fitted.history = _fit_classic(spec, train_x, train_y, val_x, y[va])
    # Temperature on the held-out speakers: inputs are already normalised, so bypass the normaliser.
    raw = replace(fitted, normalizer=None, speaker_norm=False)
    fitted.temperature = fit_temperature(raw.logits(val_x), y[va])
    return fitted


def _group_class_weights(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-sample weights giving every (group, class) pair present the same total weight; mean 1."""
    keys = np.array([f"{g}|{c}" for g, c in zip(groups, y, strict=True)])
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    weights = 1.0 / counts[inverse]
    return weights * len(y) / weights.sum()


def _class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    counts = np.bincount(y, minlength=n_classes).astype(float)
    present = counts > 0
    weights = np.where(present, len(y) / (present.sum() * np.maximum(counts, 1)), 0.0)
    return {i: float(w) for i, w in enumerate(weights)}


def epoch_progress(epochs: int, title: str, stream: Any = None, enabled: bool | None = None):
    """A Keras callback that shows one tqdm bar per fit, advanced every epoch, with the epoch's
    loss and accuracy on training and held-out speakers. By default it draws only when
    ``stream`` (stderr) is a terminal: in logs and CI it would print a line per update."""
    import sys

    import keras
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    enabled = stream.isatty() if enabled is None else enabled

    class EpochProgress(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict | None = None) -> None:
            self.bar = tqdm(total=epochs, desc=title, unit="epoch", file=stream, leave=False, disable=not enabled)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            shown = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
            self.bar.set_postfix({short: f"{logs[k]:.3f}" for k, short in shown.items() if k in logs}, refresh=False)
            self.bar.update(1)
            self.bar.refresh()  # epochs are seconds apart: show each one (tqdm would skip those within 0.1 s)

        def on_train_end(self, logs: dict | None = None) -> None:
            self.bar.close()

    return EpochProgress()


def _fit_keras(spec: ModelSpec, train_x, train_y, weights, val_x, val_y, n_classes: int, verbose: int, progress: str | None = None):
    from ser.models.architectures import build
    from ser.quiet import keras as quiet_keras

    keras = quiet_keras()

    keras.utils.set_random_seed(spec.seed)
    shape = train_x[0].shape if train_x[0].ndim == 1 else (None, train_x[0].shape[1])
    model = build(spec.architecture, shape, n_classes, **spec.params)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=spec.learning_rate, weight_decay=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=spec.patience, restore_best_weights=True, start_from_epoch=10),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(2, spec.patience // 3)),
    ]
    if progress is not None:
        callbacks.append(epoch_progress(spec.epochs, progress))
    if train_x[0].ndim == 1:  # one vector per clip: Keras shuffles and batches the stacked array
        data = {"x": pad_batch(train_x, spec.max_frames), "y": train_y, "sample_weight": weights, "batch_size": spec.batch_size,
                "shuffle": True}
    else:  # frames: padded batch by batch as drawn (the padded set can be larger than memory)
        data = {"x": training_batches(train_x, train_y, weights, spec.max_frames, spec.batch_size), "shuffle": False}
    result = model.fit(
        **data,
        validation_data=(pad_batch(val_x, spec.max_frames), val_y),
        epochs=spec.epochs,
        callbacks=callbacks,
        verbose=verbose,
    )
    history = {k: [float(v) for v in vals] for k, vals in result.history.items() if k != "learning_rate"}
    return model, history


def _fit_classic(spec: ModelSpec, train_x, train_y, val_x, val_y):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    params = dict(spec.params)
    if spec.architecture == "svm":
        clf = SVC(**{"C": 10.0, "gamma": "scale", "class_weight": "balanced", **params}, decision_function_shape="ovr", random_state=spec.seed)
    else:
        clf = RandomForestClassifier(
            **{"n_estimators": 200, "min_samples_leaf": 3, "class_weight": "balanced", "n_jobs": -1, **params}, random_state=spec.seed
        )
    model = make_pipeline(StandardScaler(), clf).fit(np.stack(train_x), train_y)
    history = {
        "accuracy": [float(model.score(np.stack(train_x), train_y))],
        "val_accuracy": [float(model.score(np.stack(val_x), val_y))],
    }
    return model, history
