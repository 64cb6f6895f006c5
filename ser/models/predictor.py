"""Inference: load a model directory once (verified), then classify any number of clips."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import numpy as np

from ser.models.artifacts import PLAIN, SPEAKER_NORM, LoadedModel, ModelError, load_model, resolve
from ser.models.speaker_norm import feature_mean


class Predictor:
    """``Predictor("whisper_head").predict(samples)`` → {emotion: probability}.

    ``samples`` are 16 kHz mono float32 (what ``ser.audio.clip.load_clip`` returns). Pass
    ``speaker_mean`` (from :meth:`speaker_mean`) to use speaker normalisation.
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
    def supports_speaker_norm(self) -> bool:
        return SPEAKER_NORM in self.loaded.fitted

    def features(self, samples: np.ndarray) -> np.ndarray:
        """The model's input for one clip (as in training: same InputSpec)."""
        return self.loaded.spec.input.compute(samples)

    def speaker_mean(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """A speaker's mean feature vector (for speaker normalisation) from a few unlabeled clips of that speaker."""
        if not clips:
            raise ModelError("Speaker normalisation needs at least one clip of the speaker.")
        if not self.supports_speaker_norm:
            raise ModelError(f"Model '{self.name}' has no speaker-normalised variant.")
        return feature_mean([self.features(c) for c in clips])

    def predict(self, samples: np.ndarray, speaker_mean: np.ndarray | None = None) -> dict[str, float]:
        return self.predict_many([samples], speaker_mean)[0]

    def predict_many(self, clips: Sequence[np.ndarray], speaker_mean: np.ndarray | None = None) -> list[dict[str, float]]:
        """Probabilities for each clip; the model stays loaded between calls."""
        return self.predict_features([self.features(c) for c in clips], speaker_mean)

    def predict_features(self, features: Sequence[np.ndarray], speaker_mean: np.ndarray | None = None) -> list[dict[str, float]]:
        variant = PLAIN if speaker_mean is None else SPEAKER_NORM
        if variant not in self.loaded.fitted:
            raise ModelError(f"Model '{self.name}' has no speaker-normalised variant.")
        proba = self.loaded.fitted[variant].proba(features, speaker_mean=speaker_mean)
        return [{label: float(p) for label, p in zip(self.labels, row, strict=True)} for row in proba]


UNCERTAIN_BELOW = 0.4  # top probability under this: the result is shown as uncertain


def top_emotion(probabilities: dict[str, float]) -> tuple[str, float, bool]:
    """(emotion, probability, uncertain) for a prediction; uncertain when the top class is below
    ``UNCERTAIN_BELOW`` (with 8 classes, chance is 0.125)."""
    emotion = max(probabilities, key=probabilities.get)
    confidence = probabilities[emotion]
    return emotion, confidence, confidence < UNCERTAIN_BELOW


_shared: dict[str, Predictor] = {}
_shared_lock = threading.Lock()


def shared(model: str | os.PathLike | None = None) -> Predictor:
    """One Predictor per model folder and process, created on first use (thread-safe): the
    dashboard's sessions and its start-up warm-up share it."""
    key = str(resolve(model).resolve())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Predictor(key)
        return _shared[key]


def warm_up(model: str | os.PathLike | None = None, transcription: bool = True, delay: float = 0.0) -> threading.Thread:
    """Load the model (with TensorFlow and the Whisper encoder it needs) and the transcription
    model in a background thread, so the first request does not wait for them. ``delay`` seconds
    first, to leave the CPU to whatever renders the first page. Errors are left for the request
    that needs the model to report."""

    def work() -> None:
        time.sleep(delay)
        try:
            if _shared_lock.locked() or str(resolve(model).resolve()) in _shared:
                return  # a request got there first and loads what it needs itself
            from ser.audio.checks import speech_segments
            from ser.audio.features import FeatureConfig, extract_frames

            probe = np.sin(np.linspace(0, 2000, 16_000, dtype=np.float32)) * np.float32(0.1)
            speech_segments(probe, 16_000)  # Silero VAD session
            extract_frames(probe, FeatureConfig(), kinds=("log_mel", "mfcc", "chroma"))  # librosa's first-call set-up
            predictor = shared(model)
            for seconds in (1, 2):  # Keras traces twice, then keeps one graph for any clip length
                predictor.predict(np.tile(probe, seconds))
            if transcription:
                from ser.analysis.transcribe import load_transcription_models

                load_transcription_models()
        except Exception:  # noqa: BLE001 - reported when a user asks for the model
            pass

    # Not a daemon: a process that ends while TensorFlow is still loading in a daemon thread
    # aborts ("terminate called without an active exception"); exit waits for it instead.
    thread = threading.Thread(target=work, name="ser-warm-up", daemon=False)
    thread.start()
    return thread
