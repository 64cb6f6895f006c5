"""ser: speech emotion recognition library.

Audio in → checks → features → model → probabilities::

    import ser

    clip = ser.load_clip("speech.wav")                      # ser.audio.clip: decode, then check
    probabilities = ser.Predictor().predict(clip.samples)   # ser.models.predictor: the default model
    result = ser.analyze_clip(clip, ser.Predictor(), file="speech.wav")  # ser.analysis.result: the full record

The names below are imported on first use (module ``__getattr__``), so ``import ser`` stays cheap:
TensorFlow, scikit-learn and faster-whisper load only when a model or the transcriber needs them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# CTranslate2 (Whisper) and TensorFlow's oneDNN each bring an OpenMP runtime whose idle threads
# spin by default. In one process on a 2-core machine they take the CPU from each other:
# `OMP_WAIT_POLICY=ACTIVE ser benchmark --parts clip` measured a warm 3 s clip at 83 ms median
# against 24 ms with them sleeping. Set before either library loads; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"

# public name → module that defines it
_EXPORTS: dict[str, str] = {
    # audio in
    "decode": "ser.audio.decode",
    "load_clip": "ser.audio.clip",
    "Limits": "ser.audio.clip",
    "Clip": "ser.audio.clip",
    "QualityReport": "ser.audio.checks",
    "FeatureConfig": "ser.audio.features",
    # data
    "LabelSet": "ser.data.labels",
    "EMOTIONS": "ser.data.labels",
    "load_corpus": "ser.data.corpora",
    # models
    "InputSpec": "ser.models.inputs",
    "Predictor": "ser.models.predictor",
    "top_emotion": "ser.models.predictor",
    "load_model": "ser.models.artifacts",
    "list_models": "ser.models.artifacts",
    "default_model_name": "ser.models.artifacts",
    # evaluation
    "PROTOCOLS": "ser.evaluation.protocols",
    # analysis
    "Prediction": "ser.analysis.result",
    "analyze_clip": "ser.analysis.result",
    "analyze": "ser.analysis.result",
    "emotion_timeline": "ser.analysis.timeline",
    "transcribe": "ser.analysis.transcribe",
    # errors
    "SerError": "ser.errors",
    "AudioError": "ser.errors",
    "FileAccessError": "ser.errors",
    "NotAudioError": "ser.errors",
    "CorruptAudioError": "ser.errors",
    "EmptyAudioError": "ser.errors",
    "TooShortError": "ser.errors",
    "TooLongError": "ser.errors",
    "SilentAudioError": "ser.errors",
    "NonFiniteAudioError": "ser.errors",
    "CorpusError": "ser.errors",
    "ConfigError": "ser.errors",
    "SplitLeakError": "ser.errors",
    "TooLargeError": "ser.errors",
    "ModelError": "ser.models.artifacts",
    "UnknownModelError": "ser.models.artifacts",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ser' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

