"""A clip: decoded, checked audio, the one entry point the CLI, the app and training use.

``load_clip`` decodes (``ser.audio.decode``) and then checks (``ser.audio.checks``) within the
``Limits``: unusable audio raises a typed error, lower quality becomes warnings in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ser.audio.checks import Origin, QualityReport, assess
from ser.audio.decode import TARGET_RATE, AudioSource, decode
from ser.errors import ConfigError


@dataclass(frozen=True)
class Limits:
    """What we accept and what we warn about."""

    min_seconds: float = 0.5
    max_seconds: float | None = 2 * 3600.0
    silence_dbfs: float = -60.0  # loudest 50 ms frame below this: silent
    quiet_dbfs: float = -35.0  # speech level below this: "too quiet" warning
    clipped_fraction: float = 0.001  # more clipped samples than this: warning
    low_speech_fraction: float = 0.3  # less speech than this: "mostly silence" warning
    dc_offset: float = 0.05  # |mean| above this (full scale 1.0): warning

    def __post_init__(self) -> None:
        if self.min_seconds < 0:
            raise ConfigError("min_seconds must be 0 or more.")
        if self.max_seconds is not None and self.max_seconds <= max(self.min_seconds, 0):
            raise ConfigError("max_seconds must be larger than min_seconds.")


@dataclass(frozen=True)
class Clip:
    """Checked mono float32 audio at ``sample_rate`` and its quality report."""

    samples: np.ndarray
    sample_rate: int
    report: QualityReport
    speech: tuple[tuple[int, int], ...] = ()  # Silero VAD speech regions, (start, end) sample indices

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def load_clip(
    source: AudioSource,
    limits: Limits = Limits(),
    *,
    name: str | None = None,
    target_rate: int = TARGET_RATE,
    origin: Origin = "file",
) -> Clip:
    """Decode ``source`` and check it. Raises a subclass of ``ser.errors.AudioError``. ``origin="microphone"`` for a
    live recording: its quality warnings then advise on the microphone, a file's on the file."""
    decoded = decode(source, target_rate=target_rate, max_seconds=limits.max_seconds, name=name)
    report, speech = assess(decoded, limits, origin)
    return Clip(decoded.samples, decoded.sample_rate, report, speech)
