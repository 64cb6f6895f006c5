"""Emotion over time for long recordings: speech segments (Silero VAD) → one prediction each.

``speech_windows`` turns the VAD's speech regions into analysis windows of a length the models
were trained on (RAVDESS/TESS clips are 1.5–4 s): close regions are merged, long ones split
evenly, short ones widened. ``emotion_timeline`` classifies each window, optionally normalised to
the speaker with the mean of all windows of the same recording, and ``summarize`` says in plain
words what the timeline shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ser.models.predictor import Predictor, top_emotion

LONG_AUDIO_SECONDS = 8.0  # longer recordings get a timeline
MIN_WINDOW = 1.0
MAX_WINDOW = 6.0
MERGE_GAP = 0.35
MIN_WINDOWS_FOR_SELF_NORMALISATION = 3
BATCH_WINDOWS = 32  # windows classified together


class _TimedWords(Protocol):
    def timed_words(self) -> Sequence[Any]: ...  # items with .start, .end (seconds) and .text


@dataclass(frozen=True)
class TimelineSegment:
    start: float
    end: float
    probabilities: dict[str, float]
    text: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def emotion(self) -> str:
        return top_emotion(self.probabilities)[0]

    @property
    def confidence(self) -> float:
        return top_emotion(self.probabilities)[1]

    @property
    def uncertain(self) -> bool:
        return top_emotion(self.probabilities)[2]

    def to_dict(self) -> dict:
        return {"start_s": self.start, "end_s": self.end, "emotion": self.emotion, "confidence": round(self.confidence, 4),
                "uncertain": self.uncertain, "text": self.text,
                "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()}}


def speech_windows(
    speech: Sequence[tuple[int, int]],
    sample_rate: int,
    n_samples: int,
    *,
    min_seconds: float = MIN_WINDOW,
    max_seconds: float = MAX_WINDOW,
    merge_gap: float = MERGE_GAP,
) -> list[tuple[float, float]]:
    """Analysis windows in seconds from speech regions given in samples (sorted, non-overlapping)."""
    total = n_samples / sample_rate
    merged: list[list[float]] = []
    for start, end in sorted(speech):
        s, e = start / sample_rate, min(end / sample_rate, total)
        if e <= s:
            continue
        if merged and s - merged[-1][1] <= merge_gap and e - merged[-1][0] <= max_seconds:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    windows: list[tuple[float, float]] = []
    for s, e in merged:
        parts = max(1, math.ceil((e - s) / max_seconds))
        step = (e - s) / parts
        for i in range(parts):
            a, b = s + i * step, s + (i + 1) * step
            if b - a < min_seconds:  # widen around its middle, inside the recording
                mid = (a + b) / 2
                a = max(0.0, min(mid - min_seconds / 2, total - min_seconds))
                b = min(total, a + min_seconds)
            windows.append((round(a, 3), round(b, 3)))
    return windows


def cut(samples: np.ndarray, sample_rate: int, windows: Sequence[tuple[float, float]]) -> list[np.ndarray]:
    return [samples[int(a * sample_rate) : int(b * sample_rate)] for a, b in windows]


def emotion_timeline(
    samples: np.ndarray,
    sample_rate: int,
    speech: Sequence[tuple[int, int]],
    predictor: Predictor,
    *,
    speaker_mean: np.ndarray | None = None,
    self_normalise: bool = False,
) -> tuple[list[TimelineSegment], bool]:
    """(segments, speaker-normalised). ``self_normalise`` uses the mean of this recording's own windows
    as the speaker's mean (only with a speaker-normalised model variant and at least 3 windows); an
    explicit ``speaker_mean`` wins over it."""
    windows = speech_windows(speech, sample_rate, len(samples))
    if not windows:
        return [], False
    use_own_mean = (speaker_mean is None and self_normalise and predictor.supports_speaker_norm
                    and len(windows) >= MIN_WINDOWS_FOR_SELF_NORMALISATION)
    if use_own_mean:  # needs every window's features at once
        from ser.models.speaker_norm import feature_mean

        features = [predictor.features(c) for c in cut(samples, sample_rate, windows)]
        speaker_mean = feature_mean(features)
        proba = predictor.predict_features(features, speaker_mean)
    else:  # a batch at a time, so an hour of speech never holds all its features in memory
        proba = []
        for i in range(0, len(windows), BATCH_WINDOWS):
            batch = windows[i : i + BATCH_WINDOWS]
            proba += predictor.predict_features([predictor.features(c) for c in cut(samples, sample_rate, batch)], speaker_mean)
    return [TimelineSegment(a, b, p) for (a, b), p in zip(windows, proba, strict=True)], speaker_mean is not None


def with_text(segments: Sequence[TimelineSegment], transcript: _TimedWords) -> list[TimelineSegment]:
    """Attach the transcript's words to the segments, each word to exactly one segment.

    A word goes to the segment holding its middle; where widened windows overlap, to the one whose
    centre is nearest; a word in a gap between segments (or before the first, after the last: the
    VAD and Whisper do not agree to the millisecond on where speech starts) to the nearest segment.
    Nothing the full transcript says is lost from the segment table."""
    pieces: list[list[str]] = [[] for _ in segments]
    if segments:
        for word in transcript.timed_words():
            pieces[_segment_of((word.start + word.end) / 2, segments)].append(word.text)
    return [TimelineSegment(s.start, s.end, s.probabilities, " ".join(p for p in words if p).strip())
            for s, words in zip(segments, pieces, strict=True)]


def _segment_of(t: float, segments: Sequence[TimelineSegment]) -> int:
    """Index of the segment a moment belongs to: inside it (nearest centre among those), else the nearest."""
    inside = [i for i, s in enumerate(segments) if s.start <= t < s.end]
    if inside:
        return min(inside, key=lambda i: abs(t - (segments[i].start + segments[i].end) / 2))
    return min(range(len(segments)), key=lambda i: max(segments[i].start - t, t - segments[i].end))


def overall(segments: Sequence[TimelineSegment]) -> dict[str, float]:
    """Duration-weighted mean of the segments' probabilities."""
    weights = np.array([s.duration for s in segments], dtype=np.float64)
    labels = list(segments[0].probabilities)
    matrix = np.array([[s.probabilities[k] for k in labels] for s in segments], dtype=np.float64)
    mean = weights @ matrix / weights.sum()
    return {k: float(v) for k, v in zip(labels, mean / mean.sum(), strict=True)}


def summarize(segments: Sequence[TimelineSegment]) -> str:
    """Plain-language summary, e.g. "Mostly neutral (5 of 8 segments, 62 % of the speech time)…".

    Only segments the model was sure of are named with an emotion; the unsure ones (marked "?" in
    the table) are counted as unsure, never stated as an emotion."""
    if not segments:
        return "No speech was found, so there is no emotion timeline."
    n = len(segments)
    plural = "s" if n > 1 else ""
    sure = [s for s in segments if not s.uncertain]
    unsure = n - len(sure)
    if not sure:
        return (f"The model was unsure about {'the only segment' if n == 1 else f'all {n} segments'} "
                "(marked with a question mark), so the timeline names no emotion.")
    total = sum(s.duration for s in segments)
    time_by: dict[str, float] = {}
    count_by: dict[str, int] = {}
    for s in sure:
        time_by[s.emotion] = time_by.get(s.emotion, 0.0) + s.duration
        count_by[s.emotion] = count_by.get(s.emotion, 0) + 1
    ranked = sorted(time_by, key=lambda k: -time_by[k])
    main = ranked[0]
    share = time_by[main] / total
    lead = "Mostly" if share >= 0.5 else "Mixed; most often"
    sentences = [f"{lead} {main} ({count_by[main]} of {n} segment{plural}, {100 * share:.0f} % of the speech time)."]
    others = []
    for emotion in ranked[1:4]:
        spans = [s for s in sure if s.emotion == emotion]
        where = ", ".join(f"{s.start:.1f}–{s.end:.1f} s" for s in spans[:2]) + (" …" if len(spans) > 2 else "")
        others.append(f"{emotion} at {where}")
    if others:
        sentences.append("Also " + "; ".join(others) + ".")
    if unsure:
        sentences.append(f"The model was unsure about {unsure} of the {n} segments (marked with a question mark), "
                         "so they are left out of this summary.")
    return " ".join(sentences)
