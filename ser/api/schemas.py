"""The JSON the API answers with, as Pydantic models: they document it in ``/openapi.json`` and ``/docs``.

The analysis record itself is built by ``ser.analysis.result.Prediction.to_dict`` (the one
``ser predict --json`` prints); ``Analysis`` describes it, and a test checks real responses against
it field by field (``extra="forbid"``), so the documentation cannot drift from the record.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ser.audio.checks import QualityReport


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable slug: not_audio, empty, too_short, too_long, silent, corrupt, "
                                  "non_finite, too_large, unknown_model, bad_request, unauthorized, busy, …")
    message: str = Field(description="one line for a person")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_s: float
    end_s: float
    emotion: str
    confidence: float
    uncertain: bool
    text: str = Field(description="the words spoken in this segment (empty without transcribe=true)")
    probabilities: dict[str, float]


class Analysis(BaseModel):
    """One file's result: the same record as ``ser predict --json`` and the Analyze page's JSON download."""

    model_config = ConfigDict(extra="forbid")
    file: str
    model: str | None
    emotion: str | None
    confidence: float | None = Field(description="probability of the top emotion")
    uncertain: bool | None = Field(description="true when the top probability is under 0.4")
    probabilities: dict[str, float] = Field(description="per emotion; for audio longer than 8 s (with timeline) the "
                                                        "length-weighted mean of the segments")
    speaker_normalised: bool
    duration_s: float | None
    warnings: list[str]
    transcript: str | None = Field(description="null unless transcribe=true and the audio has speech")
    language: str | None
    segments: list[Segment] = Field(description="the emotion timeline of audio longer than 8 s; empty otherwise")
    quality: QualityReport | None  # the library's dataclass itself: its fields are the schema


class FileError(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    error: ErrorDetail


class BatchResult(BaseModel):
    results: list[Analysis | FileError] = Field(description="one entry per file, in the order sent")
    analysed: int
    failed: int


class Evaluation(BaseModel):
    title: str
    accuracy: float | None
    uar: float | None
    macro_f1: float | None
    ece: float | None = Field(description="expected calibration error over all folds pooled")
    chance: float | None


class Headline(BaseModel):
    protocol: str
    uar: float | None


class ModelInfo(BaseModel):
    name: str
    default: bool
    labels: list[str] = []
    architecture: str | None = None
    trained_on: list[str] = Field([], description="the corpora of its training data (figures compare like with like only on the same)")
    parameters: int | None = None
    size_mb: float | None = None
    latency_ms_3s: float | None = Field(None, description="median warm time for a 3 s clip, measured when it was evaluated")
    headline: Headline | None = None
    evaluations: dict[str, Evaluation] = Field({}, description="per protocol, speaker-independent, fold means, one clip at a time")
    problem: str | None = Field(None, description="why a damaged model folder cannot be used")


class Models(BaseModel):
    default: str | None
    models: list[ModelInfo]


class Health(BaseModel):
    status: Literal["loading", "ready", "failed"]
    model: str | None = Field(description="the default model, once loaded")
    transcription: str = Field(description="'ready' once Whisper is loaded")
    error: ErrorDetail | None = None
