"""Classify many files at once: uploads (and zip archives of audio) → one ``Prediction`` per file.

Each file is analysed as the Analyze page analyses it (``ser.analysis.result.analyze_clip`` with
``timeline=True``): audio longer than ``ser.analysis.timeline.LONG_AUDIO_SECONDS`` gets its emotion
timeline, and its emotion is the length-weighted mean of the segments, so one file gets one answer
everywhere. A file that cannot be used gets a row with its error; the others go on. Zip archives are read
in memory with limits on the number of members and their unpacked size (zip bombs), and their
non-audio members are listed as skipped rather than silently dropped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from ser.analysis.export import table_csv
from ser.analysis.result import Prediction, analyze_clip
from ser.analysis.timeline import summarize
from ser.audio.clip import load_clip
from ser.audio.decode import looks_like_audio as audio_head
from ser.errors import SerError
from ser.models.predictor import Predictor

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".webm", ".aif", ".aiff"})
MAX_FILES = 2000
MAX_UNPACKED_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BatchItem:
    name: str
    data: bytes

    @property
    def looks_like_audio(self) -> bool:
        """Its first bytes are those of an audio format ser reads (a text file named ``.wav`` is not)."""
        return audio_head(self.data[:16])


def expand(uploads: Sequence[tuple[str, bytes]], max_files: int = MAX_FILES,
           max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> tuple[list[BatchItem], list[Prediction]]:
    """(audio items, rows for what was skipped). Zip archives are opened; their audio members are
    named ``archive.zip/inner/path.wav``."""
    items: list[BatchItem] = []
    skipped: list[Prediction] = []
    unpacked = 0
    for name, data in uploads:
        if not name.lower().endswith(".zip"):
            items.append(BatchItem(name, data))
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in archive.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError):
            skipped.append(Prediction.failed(name, f"{name} is not a readable zip archive."))
            continue
        for member in members:
            inner = PurePosixPath(member.filename)
            label = f"{name}/{member.filename}"
            if inner.name.startswith(".") or "__MACOSX" in inner.parts:
                continue  # macOS resource forks and hidden files: not user content
            if inner.suffix.lower() not in AUDIO_SUFFIXES:
                skipped.append(Prediction.failed(label, f"skipped: '{inner.suffix or inner.name}' is not an audio file type ser reads."))
                continue
            if len(items) >= max_files:
                skipped.append(Prediction.failed(label, f"skipped: more than {max_files} files in one batch."))
                continue
            unpacked += member.file_size
            if unpacked > max_unpacked_bytes:
                skipped.append(Prediction.failed(label, f"skipped: the archive unpacks to more than {max_unpacked_bytes / 1024**3:.0f} GB."))
                continue
            try:
                items.append(BatchItem(label, archive.read(member)))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                skipped.append(Prediction.failed(label, f"cannot unpack it from the archive ({exc})."))
    return items, skipped


def classify(items: Sequence[BatchItem], predictor: Predictor, speaker_mean: np.ndarray | None = None,
             on_progress: Callable[[int, int, str], None] | None = None, *, timeline: bool = True) -> list[Prediction]:
    """One row per item, in order; ``on_progress(done, total, name)`` after each. With ``timeline`` (as on
    the Analyze page and in ``ser predict``) long audio is classified segment by segment (``analyze_clip``)."""
    rows: list[Prediction] = []
    for i, item in enumerate(items):
        try:
            clip = load_clip(item.data, name=item.name)
            rows.append(analyze_clip(clip, predictor, file=item.name, speaker_mean=speaker_mean, timeline=timeline))
        except SerError as exc:
            rows.append(Prediction.failed(item.name, exc.message))
        if on_progress is not None:
            on_progress(i + 1, len(items), item.name)
    return rows


def records(rows: Sequence[Prediction], labels: Sequence[str]) -> list[dict]:
    """Flat dicts (one per row) for a table: file, emotion, confidence, one column per label, …; for long
    audio ``segments`` (how many) and ``timeline`` (``ser.analysis.timeline.summarize``), else 0 and ""."""
    out = []
    for r in rows:
        record = {"file": r.file, "emotion": r.emotion, "confidence": r.confidence, "uncertain": r.uncertain,
                  "duration_s": r.duration_s, "error": r.error or "", "warnings": " | ".join(r.warnings),
                  "segments": len(r.segments), "timeline": summarize(r.segments) if r.segments else ""}
        record.update({label: r.probabilities.get(label) for label in labels})
        out.append(record)
    return out


def to_csv(rows: Sequence[Prediction], labels: Sequence[str]) -> str:
    table = records(rows, labels)
    header = list(table[0]) if table else ["file", "emotion", "confidence", "uncertain", "duration_s", "error", "warnings",
                                            "segments", "timeline", *labels]

    def cell(value):
        return round(value, 4) if isinstance(value, float) else ("" if value is None else value)

    return table_csv(header, [[cell(rec[h]) for h in header] for rec in table])
