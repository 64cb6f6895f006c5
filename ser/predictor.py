"""Inference: load a model directory once (verified), then classify any number of clips."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ser.artifacts import LoadedModel, ModelError, load_model
from ser.normalize import feature_mean


class Predictor:
    """``Predictor("whisper_head").predict(samples)`` → {emotion: probability}.

    ``samples`` are 16 kHz mono float32 (what ``ser.checks.load_clip`` returns). Pass
    ``baseline`` (from :meth:`baseline`) to use speaker calibration.
    """

    def __init__(self, model: str | os.PathLike | None = None) -> None:
        self.loaded: LoadedModel = load_model(model)

    @property
    def name(self) -> str:
        return self.loaded.name

    @property
    def labels(self) -> tuple[str, ...]:
        return self.loaded.labels

    @property
    def supports_calibration(self) -> bool:
        return "calibrated" in self.loaded.fitted

    def features(self, samples: np.ndarray) -> np.ndarray:
        """The model's input for one clip (as in training: same InputSpec)."""
        return self.loaded.spec.input.compute(samples)

    def baseline(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """A speaker's baseline (mean feature vector) from a few unlabeled clips of that speaker."""
        if not clips:
            raise ModelError("A speaker baseline needs at least one clip.")
        if not self.supports_calibration:
            raise ModelError(f"Model '{self.name}' has no speaker-calibrated variant.")
        return feature_mean([self.features(c) for c in clips])

    def predict(self, samples: np.ndarray, baseline: np.ndarray | None = None) -> dict[str, float]:
        return self.predict_many([samples], baseline)[0]

    def predict_many(self, clips: Sequence[np.ndarray], baseline: np.ndarray | None = None) -> list[dict[str, float]]:
        """Probabilities for each clip; the model stays loaded between calls."""
        return self.predict_features([self.features(c) for c in clips], baseline)

    def predict_features(self, features: Sequence[np.ndarray], baseline: np.ndarray | None = None) -> list[dict[str, float]]:
        variant = "plain" if baseline is None else "calibrated"
        if variant not in self.loaded.fitted:
            raise ModelError(f"Model '{self.name}' has no speaker-calibrated variant.")
        proba = self.loaded.fitted[variant].proba(features, speaker_mean=baseline)
        return [{label: float(p) for label, p in zip(self.labels, row, strict=True)} for row in proba]


UNCERTAIN_BELOW = 0.4  # top probability under this: the result is shown as uncertain


def top_emotion(probabilities: dict[str, float]) -> tuple[str, float, bool]:
    """(emotion, probability, uncertain) for a prediction; uncertain when the top class is below
    ``UNCERTAIN_BELOW`` (with 8 classes, chance is 0.125)."""
    emotion = max(probabilities, key=probabilities.get)
    confidence = probabilities[emotion]
    return emotion, confidence, confidence < UNCERTAIN_BELOW
