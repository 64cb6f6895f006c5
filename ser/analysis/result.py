"""The result for one file, and the one function that builds it.

``analyze_clip`` turns a checked clip (``ser.audio.clip.load_clip``) and a ``Predictor`` into a
``Prediction``; the Analyze page, the Batch page (``ser.analysis.batch``) and ``ser predict`` all
call it, so their JSON has the same fields. A file that could not be used becomes
``Prediction.failed(file, message)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ser.analysis.export import table_csv
from ser.analysis.timeline import LONG_AUDIO_SECONDS, TimelineSegment, emotion_timeline, overall
from ser.models.predictor import top_emotion

if TYPE_CHECKING:
    from ser.audio.checks import QualityReport
    from ser.audio.clip import Clip
    from ser.models.predictor import Predictor


@dataclass(frozen=True)
class Prediction:
    """What ser says about one file: the probabilities (empty when ``error`` says why there are none)."""

    file: str
    model: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    duration_s: float | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    speaker_normalised: bool = False
    segments: Sequence[TimelineSegment] = field(default_factory=tuple)  # the emotion timeline of long audio
    transcript: str | None = None
    report: QualityReport | None = None

    @classmethod
    def failed(cls, file: str, message: str) -> Prediction:
        return cls(file, error=message)

    @property
    def emotion(self) -> str | None:
        return top_emotion(self.probabilities)[0] if self.probabilities else None

    @property
    def confidence(self) -> float | None:
        return top_emotion(self.probabilities)[1] if self.probabilities else None

    @property
    def uncertain(self) -> bool | None:
        return top_emotion(self.probabilities)[2] if self.probabilities else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ser predict --json`` and of the Analyze page's download (an ``error`` key only when it failed)."""
        return {
            "file": self.file,
            "model": self.model,
            "emotion": self.emotion,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "uncertain": self.uncertain,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "speaker_normalised": self.speaker_normalised,
            "duration_s": self.duration_s,
            "warnings": list(self.warnings),
            **({"error": self.error} if self.error is not None else {}),  # only a failed file has one
            "transcript": self.transcript,
            "segments": [s.to_dict() for s in self.segments],
            "quality": None if self.report is None else self.report.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per timeline segment, or one row for the whole clip when there is no timeline."""
        labels = list(self.probabilities)
        header = ["file", "model", "start_s", "end_s", "emotion", "confidence", "uncertain", *labels, "text"]
        rows = []
        if self.segments:
            for s in self.segments:
                rows.append([self.file, self.model, s.start, s.end, s.emotion, round(s.confidence, 4), s.uncertain,
                             *(round(s.probabilities[k], 4) for k in labels), s.text])
        else:
            rows.append([self.file, self.model, 0.0, self.duration_s, self.emotion, round(self.confidence or 0.0, 4), self.uncertain,
                         *(round(self.probabilities[k], 4) for k in labels), self.transcript or ""])
        return table_csv(header, rows)


def analyze_clip(
    clip: Clip,
    predictor: Predictor,
    *,
    file: str,
    speaker_mean: np.ndarray | None = None,
    timeline: bool = False,
    self_normalise: bool = False,
) -> Prediction:
    """Classify one checked clip. ``speaker_mean`` (``Predictor.speaker_mean``) applies speaker
    normalisation. With ``timeline``, audio longer than ``LONG_AUDIO_SECONDS`` that has speech is
    split into speech windows, each classified, and the overall result is their duration-weighted
    mean; ``self_normalise`` then normalises by this recording's own mean (one speaker only)."""
    segments: list[TimelineSegment] = []
    if timeline and clip.duration > LONG_AUDIO_SECONDS and clip.speech:
        segments, normalised = emotion_timeline(clip.samples, clip.sample_rate, clip.speech, predictor,
                                                speaker_mean=speaker_mean, self_normalise=self_normalise)
        probabilities = overall(segments)
    else:
        probabilities, normalised = predictor.predict(clip.samples, speaker_mean), speaker_mean is not None
    report = clip.report
    return Prediction(file, predictor.name, probabilities, report.duration_s, tuple(report.warnings), None, normalised,
                      tuple(segments), report=report)
