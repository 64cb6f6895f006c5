"""One analysis result as a plain dict, JSON or CSV (what the dashboard offers for download)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ser.analysis.timeline import TimelineSegment
from ser.audio.checks import QualityReport
from ser.models.predictor import top_emotion


@dataclass(frozen=True)
class AnalysisResult:
    file: str
    model: str
    probabilities: dict[str, float]
    report: QualityReport
    speaker_calibrated: bool = False
    segments: Sequence[TimelineSegment] = field(default_factory=tuple)
    transcript: str | None = None

    def to_dict(self) -> dict[str, Any]:
        emotion, confidence, uncertain = top_emotion(self.probabilities)
        return {
            "file": self.file,
            "model": self.model,
            "emotion": emotion,
            "confidence": round(confidence, 4),
            "uncertain": uncertain,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "speaker_calibrated": self.speaker_calibrated,
            "duration_s": self.report.duration_s,
            "warnings": list(self.report.warnings),
            "transcript": self.transcript,
            "segments": [s.to_dict() for s in self.segments],
            "quality": self.report.to_dict(),
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
            emotion, confidence, uncertain = top_emotion(self.probabilities)
            rows.append([self.file, self.model, 0.0, self.report.duration_s, emotion, round(confidence, 4), uncertain,
                         *(round(self.probabilities[k], 4) for k in labels), self.transcript or ""])
        return table_csv(header, rows)


def table_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text. Text cells that a spreadsheet would run as a formula (a file called
    ``=HYPERLINK(...).wav``, a transcript starting with "+") get a leading apostrophe (OWASP)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def _inert(cell: Any) -> Any:
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
