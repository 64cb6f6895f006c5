"""Checks: is the decoded audio usable, and how good is it?

``assess`` is the check half of ``ser.audio.clip.load_clip`` (decode, then check). Problems
that make the audio unusable raise a typed error with a message for a person; problems that
only lower quality become warnings in the ``QualityReport``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from ser.errors import CorruptAudioError, NonFiniteAudioError, SilentAudioError, TooShortError

if TYPE_CHECKING:
    from ser.audio.clip import Limits
    from ser.audio.decode import DecodedAudio

FRAME_SECONDS = 0.05
MAX_PEAK = 1000.0  # float samples beyond +60 dBFS are not a loud recording but a broken writer
VAD_BLOCK_SECONDS = 600.0
BLOCK_SAMPLES = 1 << 20  # samples squared at once when measuring levels (8 MiB of float64)
VAD_FRAME_SAMPLES = 512  # Silero's window at 16 kHz (32 ms)
VAD_MIN_SILENCE_MS = 300  # a pause shorter than this does not end a speech region
NOISE_FLOOR_PERCENTILE = 10  # the quietest tenth of a recording's frames is its background
SOUND_ABOVE_FLOOR_DB = 20.0  # a frame this far above the background is sound, not background
SOUND_BELOW_PEAK_DB = 40.0  # ... and within this of the loudest frame (speech's own dynamic range)
# Silero's mean probability over 0.3 s below which a region is not grown: a shouted sentence it is
# unsure of stays at 0.1-0.45 (RAVDESS Actor_14 03-01-05-02-02-01-14), a tone at 0.015, a chord at
# 0.002, white noise at -20 dBFS around 0.04 (measured; benchmarks/speech_fraction.py for the corpora)
GROW_MIN_PROBABILITY = 0.1

Origin = Literal["file", "microphone"]  # where the audio came from: its advice differs (a file cannot move closer)
ADVICE: dict[str, dict[str, str]] = {
    "quiet": {"microphone": "move closer to the microphone.",
              "file": "the file was recorded or saved at a low level; if you record it again, speak closer to the microphone."},
    "wraparound": {"microphone": "(a known browser-recorder defect); lower the microphone gain.",
                   "file": "(the recorder that made this file overflowed); the recording was too loud for it."},
}


@dataclass(frozen=True)
class QualityReport:
    """What a person (and a model) should know about a recording."""

    name: str | None
    container: str
    codec: str
    duration_s: float
    original_sample_rate: int
    original_channels: int
    sample_rate: int
    peak_dbfs: float
    rms_dbfs: float
    speech_dbfs: float | None
    clipped_fraction: float
    wraparound_count: int
    dc_offset: float
    speech_fraction: float
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["warnings"] = list(self.warnings)
        return d


def check(decoded: DecodedAudio, limits: Limits | None = None, origin: Origin = "file") -> QualityReport:
    """Raise if ``decoded`` is unusable; otherwise measure it and list warnings (default ``Limits()``)."""
    if limits is None:
        from ser.audio.clip import Limits

        limits = Limits()
    return assess(decoded, limits, origin)[0]


def assess(decoded: DecodedAudio, limits: Limits, origin: Origin = "file") -> tuple[QualityReport, tuple[tuple[int, int], ...]]:
    """The quality report of ``decoded`` and its speech regions; raises if it is unusable. ``origin``: a file
    or a live microphone recording, whose warnings give different advice (``ADVICE``)."""
    info, stats, y, sr = decoded.info, decoded.stats, decoded.samples, decoded.sample_rate
    name = info.name or "The audio"
    if stats.nonfinite:
        raise NonFiniteAudioError(
            f"{name} contains {stats.nonfinite} NaN or infinite sample value{'s' if stats.nonfinite > 1 else ''}; "
            "the file was written by faulty software."
        )
    if stats.peak > MAX_PEAK:
        raise CorruptAudioError(
            f"{name} has sample values {stats.peak:.0e} times full scale ({_db(stats.peak):+.0f} dBFS); "
            "the file was written by faulty software."
        )
    duration = len(y) / sr
    if duration < limits.min_seconds:
        raise TooShortError(f"{name} is only {duration:.2f} s long; at least {limits.min_seconds:g} s is needed.")
    dc = float(np.mean(y, dtype=np.float64))
    centred = y - np.float32(dc)  # one copy for every level measurement below
    frame_db = frame_dbfs(centred, sr)
    loudest = float(frame_db.max())
    if loudest < limits.silence_dbfs:
        if loudest < -150:
            raise SilentAudioError(f"{name} is completely silent: it holds no sound at all.")
        raise SilentAudioError(f"{name} is silent or nearly silent (its loudest moment is {loudest:.0f} dBFS).")

    segments = speech_segments(centred, sr)
    speech_samples = sum(end - start for start, end in segments)
    speech_fraction = round(min(1.0, speech_samples / len(y)), 3)  # as reported, so every display rounds alike
    speech_db = _level_in(centred, segments) if segments else None
    clipped_fraction = stats.clipped_samples / max(stats.total_samples, 1)

    warnings: list[str] = []
    if clipped_fraction > limits.clipped_fraction:
        warnings.append(
            f"Clipping: {100 * clipped_fraction:.1f}% of samples are at full scale; "
            "the recording was too loud, which distorts the voice."
        )
    if stats.wraparounds:
        warnings.append(
            f"Wrap-around glitches: {stats.wraparounds} places where a too-loud sample flipped sign "
            f"{ADVICE['wraparound'][origin]}"
        )
    if speech_db is not None and speech_db < limits.quiet_dbfs:
        warnings.append(f"Very quiet: speech is at {speech_db:.0f} dBFS; {ADVICE['quiet'][origin]}")
    if not segments:
        warnings.append("No speech detected: the audio seems to hold only noise, music or tones.")
    elif speech_fraction < limits.low_speech_fraction:
        warnings.append(f"Mostly silence: speech fills only {percent(speech_fraction)} of the audio.")
    if abs(dc) > limits.dc_offset:
        warnings.append(f"DC offset of {dc:+.2f} full scale: the recording device adds a constant bias.")

    overall = float(np.sqrt(_sum_squares(centred) / len(centred)))
    del centred
    report = QualityReport(
        name=info.name,
        container=info.container,
        codec=info.codec,
        duration_s=round(duration, 3),
        original_sample_rate=info.sample_rate,
        original_channels=info.channels,
        sample_rate=sr,
        peak_dbfs=round(_db(stats.peak), 2),
        rms_dbfs=round(_db(overall), 2),
        speech_dbfs=None if speech_db is None else round(speech_db, 2),
        clipped_fraction=round(clipped_fraction, 6),
        wraparound_count=stats.wraparounds,
        dc_offset=round(dc, 4) + 0.0,  # no "-0.0"
        speech_fraction=speech_fraction,
        warnings=tuple(warnings),
    )
    return report, tuple(segments)


def percent(fraction: float) -> str:
    """A fraction as a whole percentage for people, rounded half up: 0.045 → "5 %".

    The one formatting of the speech fraction (quality warning, Analyze page, CLI), so the metric
    and the warning never disagree (Python's own rounding gives "4" for 4.5 but "5" for 4.502)."""
    return f"{math.floor(100 * fraction + 0.5 + 1e-9):.0f} %"


def frame_dbfs(y: np.ndarray, sample_rate: int, frame_seconds: float = FRAME_SECONDS) -> np.ndarray:
    """RMS level in dBFS of consecutive non-overlapping frames (at least one frame)."""
    n = max(1, int(frame_seconds * sample_rate))
    usable = (len(y) // n) * n
    frames = y[:usable].reshape(-1, n) if usable else y.reshape(1, -1)
    rows = max(1, BLOCK_SAMPLES // frames.shape[1])  # float64 squares a block at a time, not for the whole file
    mean_square = np.concatenate([np.mean(np.square(frames[i : i + rows], dtype=np.float64), axis=1)
                                  for i in range(0, frames.shape[0], rows)])
    return 20 * np.log10(np.maximum(np.sqrt(mean_square), 1e-10))


def _sum_squares(y: np.ndarray) -> float:
    return sum(float(np.sum(np.square(y[i : i + BLOCK_SAMPLES], dtype=np.float64))) for i in range(0, len(y), BLOCK_SAMPLES))


def speech_segments(y: np.ndarray, sample_rate: int) -> list[tuple[int, int]]:
    """Speech regions as (start, end) sample indices.

    Found by the Silero VAD that ships in faster-whisper's wheel (no download), in two steps.
    Silero v6 is unsure of raised, high-pitched voices: on a shouted RAVDESS line (F0 ≈ 580 Hz, 70 dB
    above the room) its speech probability stays at 0.1–0.4, so its own rule (start at 0.5, stop
    after 0.3 s under 0.35) caught the onset and dropped the rest of a loud, clean sentence, and the
    clip came out "mostly silence". So Silero's regions are only the seeds: each is grown through
    the sound around it for as long as the sound goes on and Silero does not rule speech out
    (``_speech_runs``). Tones, music and noise alone never seed a region; next to speech they stop
    its growth. Runs in 10-minute blocks to bound memory."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

    if sample_rate != 16_000:
        import soxr

        scale = sample_rate / 16_000
        y16 = soxr.resample(y, sample_rate, 16_000)
    else:
        scale, y16 = 1.0, y
    # Silero judges the shape of the sound, but it misses speech recorded very quietly:
    # bring the peak to -6 dBFS first (gain limited to +60 dB so hiss is not made speech).
    peak = float(np.max(np.abs(y16))) if len(y16) else 0.0
    gain = np.float32(min(0.5 / peak, 1000.0)) if peak > 0 else np.float32(1.0)
    options = VadOptions(min_silence_duration_ms=VAD_MIN_SILENCE_MS, speech_pad_ms=30)
    block = int(VAD_BLOCK_SECONDS * 16_000)
    found: list[tuple[int, int]] = []
    for offset in range(0, len(y16), block):
        part = np.ascontiguousarray(y16[offset : offset + block] * gain, dtype=np.float32)
        seeds = [(ts["start"], ts["end"]) for ts in get_speech_timestamps(part, options)]
        if seeds:
            n = VAD_FRAME_SAMPLES
            probability = get_vad_model()(np.pad(part, (0, n - len(part) % n))).ravel()
            seeds = _grow(seeds, _speech_runs(part, probability, 16_000))
        found += [(int((offset + start) * scale), int((offset + end) * scale)) for start, end in seeds]
    return found


def _speech_runs(y: np.ndarray, probability: np.ndarray, sample_rate: int) -> list[tuple[int, int]]:
    """Stretches that may be speech, as (start, end) samples: 32 ms frames of sound (at least
    ``SOUND_ABOVE_FLOOR_DB`` above the background, the ``NOISE_FLOOR_PERCENTILE``-th percentile of
    the frame levels, and at most ``SOUND_BELOW_PEAK_DB`` under the loudest frame, so a studio's
    digital silence does not make its faint room tone "sound") where Silero's speech probability,
    averaged over ``VAD_MIN_SILENCE_MS``, is at least ``GROW_MIN_PROBABILITY``; gaps shorter than
    ``VAD_MIN_SILENCE_MS`` are bridged."""
    n = VAD_FRAME_SAMPLES
    if len(y) < n:
        return []
    level = frame_dbfs(y, sample_rate, n / sample_rate)
    floor = float(np.percentile(level, NOISE_FLOOR_PERCENTILE))
    threshold = max(floor + SOUND_ABOVE_FLOOR_DB, float(level.max()) - SOUND_BELOW_PEAK_DB)
    width = max(1, VAD_MIN_SILENCE_MS * sample_rate // 1000 // n)
    p = probability[: len(level)]
    smoothed = np.convolve(p, np.ones(width) / width)[(width - 1) // 2 :][: len(p)]  # centred moving mean
    frames = np.flatnonzero((level >= threshold) & (smoothed >= GROW_MIN_PROBABILITY))
    runs: list[list[int]] = []
    for i in frames:
        if runs and i - runs[-1][1] <= width:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a * n, min(b * n, len(y))) for a, b in runs]


def _grow(seeds: list[tuple[int, int]], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each seed widened to the runs of sound it touches; overlapping results merged."""
    grown = []
    for s, e in seeds:
        touching = [(a, b) for a, b in runs if a < e and b > s]
        grown.append((min([s] + [a for a, _ in touching]), max([e] + [b for _, b in touching])))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(grown):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _level_in(y: np.ndarray, segments: list[tuple[int, int]]) -> float:
    energy = sum(_sum_squares(y[s:e]) for s, e in segments)
    count = sum(e - s for s, e in segments)
    return _db(np.sqrt(energy / max(count, 1)))


def _db(x: float) -> float:
    return float(20 * np.log10(max(float(x), 1e-10)))
