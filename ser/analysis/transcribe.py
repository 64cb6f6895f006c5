"""Transcription with faster-whisper, offline, in the language spoken.

``transcribe(samples)`` returns a :class:`Transcript` with the language, segments and word times
(``transcribe_clip(clip)`` for a checked clip, reusing the speech regions its checks found),
so the emotion timeline can show what was said in each of its segments (:func:`ser.analysis.timeline.with_text`).
By default multilingual Whisper base (pinned packages) tells the language from the first 30 s;
English is then transcribed by the bundled Whisper tiny.en (several times faster on a 2-core CPU),
every other language by Whisper base. ``model`` or the ``SER_WHISPER_MODEL`` environment variable
names one model for everything instead: a local CTranslate2 folder, or a model name already in the
local Hugging Face cache (see :func:`ser.audio.whisper.resolve_model`); nothing is downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ser.audio.checks import speech_segments
from ser.audio.clip import Clip
from ser.audio.whisper import BASE, BUNDLED, SAMPLE_RATE, load_whisper
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
    language: str  # ISO 639-1 code, e.g. "en", "pl"
    segments: tuple[TranscriptSegment, ...] = field(default_factory=tuple)
    language_probability: float | None = None  # how sure Whisper is of the language; None when it was not detected

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
        return {"language": self.language, "language_name": language_name(self.language),
                "language_probability": self.language_probability, "text": self.text,
                "segments": [{"start": s.start, "end": s.end, "text": s.text} for s in self.segments]}

    def words(self) -> list[dict]:
        return [asdict(w) for s in self.segments for w in s.words]


def whisper_model_spec() -> str | None:
    """The transcription model the user configured (``SER_WHISPER_MODEL``), or None for the bundled one."""
    return os.environ.get(ENV_MODEL) or None


def transcribe(samples: np.ndarray, model: Any = None, *, beam_size: int = 1, words: bool = True,
               speech: Sequence[tuple[int, int]] | None = None) -> Transcript:
    """Transcribe 16 kHz mono float32 audio, in the language spoken (see the module docstring), or
    with ``model``: a loaded faster-whisper model or a model spec for :func:`ser.audio.whisper.load_whisper`.
    Greedy decoding (``beam_size=1``) by default: on a 2-core CPU it is several times faster than
    beam search, and the small models gain little from it. ``speech``: the audio's speech regions
    when the caller already has them (:func:`ser.audio.checks.speech_segments`); otherwise audio up
    to 30 s is searched for speech here, and audio without any gets no transcript."""
    audio = np.ascontiguousarray(samples, dtype=np.float32)
    if len(audio) == 0:
        return Transcript(language="en")
    chosen = model if model is not None else whisper_model_spec()
    # A model given or configured is loaded first, so one that cannot load is reported even for silence.
    whisper = chosen if chosen is None or hasattr(chosen, "transcribe") else load_whisper(chosen, _compute_type(chosen))
    long_audio = len(audio) > 30 * SAMPLE_RATE  # Whisper's own VAD filter skips the silences of long audio
    if not long_audio and not (speech_segments(audio, SAMPLE_RATE) if speech is None else speech):
        # Nothing to transcribe. Whisper invents words in silence: on a 2-core AMD machine (float32 and
        # int8 kernels) base heard 5 s of digital silence as Welsh, "Yn ymdyn ymdyn ...".
        return Transcript(language="en")
    language, probability = None, None
    if chosen is None:  # the default: base tells the language, English goes to the faster tiny.en
        language, probability = detect_language(audio)
        chosen = BUNDLED if language == "en" else BASE
        whisper = load_whisper(chosen, _compute_type(chosen))
    try:
        pieces, info = whisper.transcribe(
            audio,
            language=language if getattr(whisper.model, "is_multilingual", False) else None,
            beam_size=beam_size,
            temperature=0.0,  # no sampling fallbacks: each retry decodes the window again
            max_new_tokens=_token_cap(len(audio) / SAMPLE_RATE),  # bounds repetition loops on noisy audio
            word_timestamps=words,
            vad_filter=long_audio,  # long audio: skip silences (Silero VAD, bundled)
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
    if probability is None and getattr(whisper.model, "is_multilingual", False):
        probability = float(info.language_probability)
    return Transcript(language=language or info.language, segments=segments,
                      language_probability=None if probability is None else round(float(probability), 3))


def transcribe_clip(clip: Clip, model: Any = None) -> Transcript:
    """:func:`transcribe` for a checked clip (:func:`ser.audio.clip.load_clip`), with the speech
    regions its checks found, so the voice activity detector does not run twice."""
    return transcribe(clip.samples, model, speech=clip.speech)


def load_transcription_models() -> None:
    """Load (once per process) the Whisper models ``transcribe`` will use, e.g. to warm a server up."""
    spec = whisper_model_spec()
    if spec is None:
        load_whisper(BASE, _compute_type(BASE))
    load_whisper(spec, _compute_type(spec))


def detect_language(samples: np.ndarray) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the language spoken in the first 30 s, by Whisper base."""
    try:
        language, probability, _ = load_whisper(BASE, _compute_type(BASE)).detect_language(
            np.ascontiguousarray(samples[: 30 * SAMPLE_RATE], dtype=np.float32))
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"Language detection failed: {exc}") from None
    return str(language), float(probability)


def _token_cap(seconds: float) -> int:
    """Most tokens one 30 s window may produce: fast speech in scripts that take many tokens per word
    fits, a hallucinated repetition loop (base fell into some on noisy Urdu TV clips) is cut early."""
    return int(min(224, 12 * min(seconds, 30.0) + 16))


def _compute_type(spec: Any) -> str:
    """int8 for Whisper base (its 74 M parameters, ~2x faster than float32 on CPU), float32 otherwise."""
    return "int8" if spec == BASE else "float32"


def language_name(code: str) -> str:
    """English name of a Whisper language code ("pl" → "Polish"); the code itself when not listed here
    (faster-whisper knows the codes, not their names; the corpora's languages and the common ones are)."""
    return _LANGUAGE_NAMES.get(code, code)


_LANGUAGE_NAMES = {
    "en": "English", "pl": "Polish", "it": "Italian", "tr": "Turkish", "ur": "Urdu", "am": "Amharic", "de": "German",
    "fr": "French", "es": "Spanish", "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian",
    "cs": "Czech", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "el": "Greek", "hu": "Hungarian",
    "ro": "Romanian", "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "hi": "Hindi", "bn": "Bengali", "zh": "Chinese",
    "ja": "Japanese", "ko": "Korean", "vi": "Vietnamese", "th": "Thai", "id": "Indonesian", "ms": "Malay",
    "sw": "Swahili", "ca": "Catalan", "hr": "Croatian", "sr": "Serbian", "bg": "Bulgarian", "sk": "Slovak",
}
