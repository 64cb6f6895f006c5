"""Training-time audio augmentation, reproducible per clip.

Every random transform takes an explicit ``np.random.Generator`` (never global random
state), and :meth:`Augmenter.augment` derives its generator from ``(seed, index)`` so a
clip gets the same augmentation whatever order or process it is drawn in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import librosa
import numpy as np
from scipy import signal as sps

from ser.audio.decode import TARGET_RATE
from ser.errors import ConfigError
from ser.serialize import from_mapping

NOISE_KINDS: tuple[str, ...] = ("white", "pink")
# Lossy codecs people's recordings come through (voice messages and browser uploads: Opus; podcasts and
# phone exports: MP3, AAC): name -> (container, encoder) for PyAV.
_PRIMING = {"aac": 1024}  # samples the encoder puts in front that the container does not record (ADTS)
CODECS: dict[str, tuple[str, str]] = {"opus": ("ogg", "libopus"), "mp3": ("mp3", "libmp3lame"), "aac": ("adts", "aac")}


def _mono(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"augmentation needs mono audio as a 1-D array, got shape {y.shape}")
    return y


def _noise(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n)
    if kind == "white":
        return white
    if kind == "pink":
        # Shape white noise to a 1/f power spectrum (amplitude 1/sqrt(f)); drop DC.
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n)
        scale = np.zeros_like(freqs)
        scale[1:] = 1.0 / np.sqrt(freqs[1:])
        return np.fft.irfft(spectrum * scale, n)
    raise ValueError(f"noise kind must be one of {', '.join(NOISE_KINDS)}, got {kind!r}")


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator, kind: str = "white") -> np.ndarray:
    """Add white or pink noise so that 10*log10(P_signal / P_noise) == snr_db exactly.

    Silent or empty input is returned unchanged (its SNR is undefined).
    """
    y = _mono(y)
    if not math.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number, got {snr_db!r}")
    noise = _noise(y.size, kind, rng)
    p_signal = float(np.mean(np.square(y, dtype=np.float64))) if y.size else 0.0
    p_noise = float(np.mean(np.square(noise))) if y.size else 0.0
    if p_signal == 0.0 or p_noise == 0.0:
        return y.copy()
    noise *= math.sqrt(p_signal / (p_noise * 10.0 ** (snr_db / 10.0)))
    return (y + noise).astype(np.float32)


def time_stretch(y: np.ndarray, rate: float) -> np.ndarray:
    """Change speed without changing pitch; output length ≈ len(y) / rate."""
    y = _mono(y)
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"stretch rate must be a positive number, got {rate!r}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large")  # short clips are fine
        return librosa.effects.time_stretch(y, rate=rate).astype(np.float32)


def pitch_shift(y: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    """Shift pitch by ``semitones`` keeping the length."""
    y = _mono(y)
    if not math.isfinite(semitones):
        raise ValueError(f"semitones must be a finite number, got {semitones!r}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large")
        return librosa.effects.pitch_shift(y, sr=sample_rate, n_steps=semitones).astype(np.float32)


def time_shift(y: np.ndarray, max_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Shift by up to ±max_fraction of the length, filling with zeros (no wrap-around)."""
    y = _mono(y)
    if not 0.0 <= max_fraction <= 1.0:
        raise ValueError(f"max_fraction must be in [0, 1], got {max_fraction!r}")
    limit = int(max_fraction * y.size)
    shift = int(rng.integers(-limit, limit + 1))
    out = np.zeros_like(y)
    if shift > 0:
        out[shift:] = y[:-shift]
    elif shift < 0:
        out[:shift] = y[-shift:]
    else:
        out[:] = y
    return out


def reverb(y: np.ndarray, sample_rate: int, rt60: float, rng: np.random.Generator, wet: float = 0.3) -> np.ndarray:
    """Synthetic room: exponentially decaying noise tail with the given RT60 plus one early echo.

    Same length as the input; the peak is scaled down if it would exceed the input peak.
    """
    y = _mono(y)
    if not (math.isfinite(rt60) and rt60 > 0):
        raise ValueError(f"rt60 must be a positive number of seconds, got {rt60!r}")
    if not 0.0 <= wet <= 1.0:
        raise ValueError(f"wet must be in [0, 1], got {wet!r}")
    if y.size == 0:
        return y.copy()
    n_ir = max(1, int(rt60 * sample_rate))
    t = np.arange(n_ir) / sample_rate
    tail = rng.standard_normal(n_ir) * np.exp(-3.0 * math.log(10.0) * t / rt60)  # -60 dB at t = rt60
    ir = tail / np.linalg.norm(tail)
    delay = int(rng.uniform(0.005, 0.03) * sample_rate)  # an early reflection 5-30 ms after the direct sound
    if delay < n_ir:
        ir[delay] += rng.uniform(0.3, 0.6)
    y64 = y.astype(np.float64)
    out = (1.0 - wet) * y64 + wet * sps.fftconvolve(y64, ir)[: y.size]
    peak_in, peak_out = np.max(np.abs(y64)), np.max(np.abs(out))
    if peak_out > peak_in > 0:
        out *= peak_in / peak_out
    return out.astype(np.float32)


def gain(y: np.ndarray, db: float) -> np.ndarray:
    """Scale by ``db`` decibels and clip at full scale, as a too-hot microphone does (a quiet one just scales)."""
    y = _mono(y)
    if not math.isfinite(db):
        raise ValueError(f"gain must be a finite number of dB, got {db!r}")
    return np.clip(y * np.float32(10.0 ** (db / 20.0)), -1.0, 1.0).astype(np.float32)


def codec_roundtrip(y: np.ndarray, sample_rate: int, codec: str, bitrate: int) -> np.ndarray:
    """Encode with a lossy ``codec`` (one of ``CODECS``) at ``bitrate`` bit/s and decode again (PyAV):
    what a recording sent as a voice message or a compressed upload sounds like. Same length as the
    input (the codec's start-up delay is trimmed, the end padded with silence)."""
    import io

    import av

    y = _mono(y)
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {', '.join(CODECS)}, got {codec!r}")
    if isinstance(bitrate, bool) or not isinstance(bitrate, (int, np.integer)) or not 6000 <= bitrate <= 320_000:
        raise ValueError(f"bitrate must be 6000-320000 bit/s, got {bitrate!r}")
    if y.size == 0:
        return y.copy()
    container, encoder = CODECS[codec]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(encoder, rate=sample_rate, layout="mono")
        stream.bit_rate = int(bitrate)
        frame = av.AudioFrame.from_ndarray(y.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buffer.seek(0)
    chunks = []
    with av.open(buffer, mode="r") as source:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        for decoded in source.decode(audio=0):
            for frame in resampler.resample(decoded):
                chunks.append(frame.to_ndarray().reshape(-1))
        for frame in resampler.resample(None):
            chunks.append(frame.to_ndarray().reshape(-1))
    back = np.concatenate(chunks)[_PRIMING.get(codec, 0):] if chunks else np.zeros(0, np.float32)
    out_y = np.zeros(y.size, np.float32)
    out_y[: min(y.size, back.size)] = back[: y.size]
    return out_y


@dataclass(frozen=True)
class AugmentConfig:
    """Probability and parameter range of each transform in the :class:`Augmenter` chain."""

    p_noise: float = 0.5
    snr_db: tuple[float, float] = (5.0, 30.0)
    noise_kinds: tuple[str, ...] = NOISE_KINDS
    p_stretch: float = 0.3
    rate: tuple[float, float] = (0.85, 1.15)
    p_pitch: float = 0.3
    semitones: tuple[float, float] = (-2.0, 2.0)
    p_shift: float = 0.5
    max_fraction: float = 0.1
    p_reverb: float = 0.2
    rt60: tuple[float, float] = (0.2, 0.8)
    p_gain: float = 0.3
    gain_db: tuple[float, float] = (-20.0, 12.0)
    p_codec: float = 0.3
    codecs: tuple[str, ...] = tuple(CODECS)
    bitrate: tuple[float, float] = (12_000.0, 32_000.0)

    def __post_init__(self) -> None:
        for name in ("p_noise", "p_stretch", "p_pitch", "p_shift", "p_reverb", "p_gain", "p_codec", "max_fraction"):
            object.__setattr__(self, name, _number(name, getattr(self, name), 0.0, 1.0))
        for name, low in (("snr_db", -math.inf), ("rate", 0.0), ("semitones", -math.inf), ("rt60", 0.0), ("gain_db", -math.inf),
                          ("bitrate", 6000.0)):
            object.__setattr__(self, name, _range(name, getattr(self, name), low))
        kinds = self.noise_kinds
        if not isinstance(kinds, (list, tuple)) or not kinds or any(k not in NOISE_KINDS for k in kinds):
            allowed = ", ".join(NOISE_KINDS)
            raise ConfigError(f"AugmentConfig.noise_kinds must be a non-empty list of {allowed}, got {kinds!r}")
        object.__setattr__(self, "noise_kinds", tuple(kinds))
        codecs = self.codecs
        if not isinstance(codecs, (list, tuple)) or not codecs or any(c not in CODECS for c in codecs):
            raise ConfigError(f"AugmentConfig.codecs must be a non-empty list of {', '.join(CODECS)}, got {codecs!r}")
        object.__setattr__(self, "codecs", tuple(codecs))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (ranges as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AugmentConfig:
        """Build from a dict; missing keys take defaults, unknown keys are rejected."""
        return from_mapping(cls, d)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(value)
    )


def _number(name: str, value: Any, low: float, high: float) -> float:
    if not _is_number(value) or not low <= value <= high:
        raise ConfigError(f"AugmentConfig.{name} must be a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _range(name: str, value: Any, low: float) -> tuple[float, float]:
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_number(v) for v in value)
    if not ok or not low < value[0] <= value[1]:
        bound = "" if low == -math.inf else f" above {low:g}"
        raise ConfigError(
            f"AugmentConfig.{name} must be a [low, high] pair of numbers{bound} with low <= high, got {value!r}"
        )
    return (float(value[0]), float(value[1]))


class Augmenter:
    """Applies a random chain: stretch → pitch → shift → reverb → noise → gain → codec, each with its probability.

    ``augment(y, index)`` is reproducible per (seed, index); ``__call__`` draws from one
    generator seeded once, so its results depend on call order.
    """

    def __init__(self, config: AugmentConfig, sample_rate: int, seed: int) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
            raise ConfigError(f"Augmenter sample_rate must be a positive integer, got {sample_rate!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"Augmenter seed must be a non-negative integer, got {seed!r}")
        self.config = config
        self.sample_rate = int(sample_rate)
        self.seed = int(seed)
        self._rng = np.random.default_rng(self.seed)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """Augment with the next draws of this augmenter's own generator."""
        return self._apply(y, self._rng)

    def augment(self, y: np.ndarray, index: int) -> np.ndarray:
        """Augment clip ``index``: the same (seed, index) always gives the same result."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise ValueError(f"index must be a non-negative integer, got {index!r}")
        return self._apply(y, np.random.default_rng([self.seed, int(index)]))

    def _apply(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        c, sr = self.config, self.sample_rate
        y = _mono(y)
        if rng.random() < c.p_stretch:
            y = time_stretch(y, rng.uniform(*c.rate))
        if rng.random() < c.p_pitch:
            y = pitch_shift(y, sr, rng.uniform(*c.semitones))
        if rng.random() < c.p_shift:
            y = time_shift(y, c.max_fraction, rng)
        if rng.random() < c.p_reverb:
            y = reverb(y, sr, rng.uniform(*c.rt60), rng)
        if rng.random() < c.p_noise:
            kind = c.noise_kinds[int(rng.integers(len(c.noise_kinds)))]
            y = add_noise(y, rng.uniform(*c.snr_db), rng, kind=kind)
        if rng.random() < c.p_gain:
            y = gain(y, rng.uniform(*c.gain_db))
        if rng.random() < c.p_codec:
            codec = c.codecs[int(rng.integers(len(c.codecs)))]
            y = codec_roundtrip(y, sr, codec, int(rng.uniform(*c.bitrate)))
        return np.asarray(y, dtype=np.float32)


@dataclass(frozen=True)
class Augmentation:
    """Which augmented copy of each clip to compute: ``copy`` 1, 2, … of ``config`` with ``seed``
    (``ser.models.inputs.compute_many`` computes and caches it for clips decoded at ``TARGET_RATE``)."""

    config: dict[str, Any]
    seed: int
    copy: int

    def key(self) -> str:
        text = json.dumps({"config": self.config, "seed": self.seed, "copy": self.copy}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def apply(self, samples: np.ndarray, path: str) -> np.ndarray:
        augmenter = Augmenter(AugmentConfig.from_dict(self.config), TARGET_RATE, self.seed)
        index = int(hashlib.sha1(os.path.basename(path).encode()).hexdigest()[:12], 16) * 64 + self.copy
        return augmenter.augment(samples, index)
