"""Transcription with faster-whisper, offline (the bundled Whisper tiny.en unless told otherwise).

``transcribe(samples)`` returns a :class:`Transcript` with segments and word times, so the
emotion timeline can show what was said in each of its segments (:func:`ser.analysis.timeline.with_text`).
The model is chosen by ``model`` or the ``SER_WHISPER_MODEL`` environment variable: a local
CTranslate2 folder, or a model name already in the local Hugging Face cache (see
:func:`ser.audio.whisper.resolve_model`); nothing is downloaded.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ser.audio.whisper import SAMPLE_RATE, load_whisper
from ser.errors import ConfigError

ENV_MODEL = "SER_WHISPER_MODEL"


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class TranscriptSegment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    language: str
    segments: tuple[TranscriptSegment, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text).strip()

    def text_between(self, start: float, end: float) -> str:
        """The words whose middle falls in [start, end) seconds (whole segments that have no word times)."""
        return " ".join(w.text for w in self.timed_words() if start <= (w.start + w.end) / 2 < end).strip()

    def timed_words(self) -> list[Word]:
        """Every word with its times, in order (a segment without word times counts as one word)."""
        return [w for s in self.segments for w in (s.words or (Word(s.start, s.end, s.text),))]

    def to_dict(self) -> dict:
        return {"language": self.language, "text": self.text,
                "segments": [{"start": s.start, "end": s.end, "text": s.text} for s in self.segments]}

    def words(self) -> list[dict]:
        return [asdict(w) for s in self.segments for w in s.words]


def whisper_model_spec() -> str | None:
    """The transcription model the user configured (``SER_WHISPER_MODEL``), or None for the bundled one."""
    return os.environ.get(ENV_MODEL) or None


def transcribe(samples: np.ndarray, model: Any = None, *, beam_size: int = 1, words: bool = True) -> Transcript:
    """Transcribe 16 kHz mono float32 audio with ``model``: a loaded faster-whisper model, a model
    spec for :func:`ser.audio.whisper.load_whisper`, or None for the configured/bundled one. Greedy
    decoding (``beam_size=1``) by default: on a 2-core CPU it is several times faster than beam
    search, and the tiny model gains little from it."""
    whisper = model if hasattr(model, "transcribe") else load_whisper(model if model is not None else whisper_model_spec())
    audio = np.ascontiguousarray(samples, dtype=np.float32)
    if len(audio) == 0:
        return Transcript(language="en")
    try:
        pieces, info = whisper.transcribe(
            audio,
            beam_size=beam_size,
            word_timestamps=words,
            vad_filter=len(audio) > 30 * SAMPLE_RATE,  # long audio: skip silences (Silero VAD, bundled)
            condition_on_previous_text=False,  # avoids repetition loops on emotional/odd speech
        )
        segments = tuple(
            TranscriptSegment(
                start=round(float(s.start), 2),
                end=round(float(s.end), 2),
                text=s.text.strip(),
                words=tuple(Word(round(float(w.start), 2), round(float(w.end), 2), w.word.strip()) for w in (s.words or ())),
            )
            for s in pieces
        )
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"Transcription failed: {exc}") from None
    return Transcript(language=info.language, segments=segments)
