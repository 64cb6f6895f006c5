"""The result for one file, and the one function that builds it.

``analyze_clip`` turns a checked clip (``ser.audio.clip.load_clip``) and a ``Predictor`` into a
``Prediction``; the Analyze page, the Batch page (``ser.analysis.batch``) and ``ser predict`` all
call it, so their JSON has the same fields. ``analyze`` is the whole path for one file (decode and
check, classify with the emotion timeline of long audio, optionally transcribe): ``ser predict``
and ``ser serve`` call it, so one file gets one answer whichever way it comes in. A file that
could not be used becomes ``Prediction.failed(file, message)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ser.analysis.export import table_csv
from ser.analysis.timeline import LONG_AUDIO_SECONDS, TimelineSegment, emotion_timeline, overall, with_text
from ser.audio.clip import Limits, load_clip
from ser.models.predictor import top_emotion

if TYPE_CHECKING:
    from ser.analysis.transcribe import Transcript
    from ser.audio.checks import QualityReport
    from ser.audio.clip import Clip
    from ser.audio.decode import AudioSource
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
    language: str | None = None  # the transcript's language, when there is one

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
            "language": self.language,
            "segments": [s.to_dict() for s in self.segments],
            "quality": None if self.report is None else self.report.to_dict(),
        }

    def with_transcript(self, transcript: Transcript) -> Prediction:
        """This prediction with ``transcript``'s text and language, and each timeline segment with its words."""
        segments = tuple(with_text(self.segments, transcript)) if self.segments else ()
        return replace(self, segments=segments, transcript=transcript.text, language=transcript.language)

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


def analyze(
    source: AudioSource,
    predictor: Predictor,
    *,
    file: str,
    limits: Limits | None = None,
    speaker_mean: np.ndarray | None = None,
    timeline: bool = True,
    self_normalise: bool = False,
    transcriber: Callable[[Clip], Transcript] | None = None,
) -> Prediction:
    """One file (a path, bytes or a file object) from start to finish: ``load_clip`` within ``limits`` (default ``Limits()``),
    then ``analyze_clip`` (by default with the emotion timeline, so audio longer than
    ``LONG_AUDIO_SECONDS`` gets ``segments`` and their length-weighted mean as its probabilities, as on
    the Analyze page), then, when ``transcriber`` (checked ``Clip`` → ``Transcript``, e.g.
    :func:`ser.analysis.transcribe.transcribe_clip`) is given and the clip
    has speech, its transcript. Raises ``ser.errors.SerError`` subclasses for audio that cannot be used."""
    named = isinstance(source, (str, os.PathLike))  # a path names itself in messages (its file name)
    clip = load_clip(source, limits or Limits(), name=None if named else file)
    prediction = analyze_clip(clip, predictor, file=file, speaker_mean=speaker_mean, timeline=timeline, self_normalise=self_normalise)
    if transcriber is not None and clip.speech:
        prediction = prediction.with_transcript(transcriber(clip))
    return prediction
