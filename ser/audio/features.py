"""Feature extraction: one serialisable config, frame-level matrices and utterance vectors.

A :class:`FeatureConfig` is stored with every model so that training and inference
compute exactly the same features. All frame-level kinds come from one shared STFT.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import librosa
import numpy as np

from ser.errors import AudioError, ConfigError
from ser.serialize import from_mapping

FEATURE_CONFIG_VERSION = 1
ALL_KINDS: tuple[str, ...] = ("mfcc", "log_mel", "chroma", "centroid", "zcr", "rms")
SCALAR_KINDS: tuple[str, ...] = ("centroid", "zcr", "rms")
PAD_MODES: tuple[str, ...] = ("constant", "edge", "wrap")
CROPS: tuple[str, ...] = ("start", "center")
_SPECTRAL_KINDS = frozenset({"mfcc", "log_mel", "chroma", "centroid"})
_DELTA_WIDTH = 9
_AMIN = 1e-10  # power floor for log-mel: -100 dB


@dataclass(frozen=True)
class FeatureConfig:
    """Every setting that changes the features. Stored with each model."""

    sample_rate: int = 16000
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 64
    n_mfcc: int = 40
    fmin: float = 0.0
    fmax: float | None = None
    deltas: bool = True
    max_seconds: float | None = None
    pad_mode: str = "constant"
    crop: str = "center"
    trim_silence: bool = False
    trim_top_db: float = 30.0
    version: int = FEATURE_CONFIG_VERSION

    def __post_init__(self) -> None:
        for name in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels", "n_mfcc", "version"):
            self._set(name, _positive_int(name, getattr(self, name)))
        for name in ("deltas", "trim_silence"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"FeatureConfig.{name} must be true or false, got {getattr(self, name)!r}")
            self._set(name, bool(getattr(self, name)))
        self._set("fmin", _finite_float("fmin", self.fmin, minimum=0.0))
        self._set("trim_top_db", _finite_float("trim_top_db", self.trim_top_db, minimum=0.0, strict=True))
        if self.fmax is not None:
            self._set("fmax", _finite_float("fmax", self.fmax, minimum=0.0, strict=True))
        if self.max_seconds is not None:
            self._set("max_seconds", _finite_float("max_seconds", self.max_seconds, minimum=0.0, strict=True))
        if self.version != FEATURE_CONFIG_VERSION:
            known = FEATURE_CONFIG_VERSION
            raise ConfigError(f"FeatureConfig.version {self.version} is not supported (this ser knows version {known})")
        if self.win_length > self.n_fft:
            raise ConfigError(f"FeatureConfig.win_length ({self.win_length}) must not exceed n_fft ({self.n_fft})")
        if self.n_mfcc > self.n_mels:
            raise ConfigError(f"FeatureConfig.n_mfcc ({self.n_mfcc}) must not exceed n_mels ({self.n_mels})")
        nyquist = self.sample_rate / 2
        if self.fmax is not None and self.fmax > nyquist:
            raise ConfigError(f"FeatureConfig.fmax ({self.fmax:g} Hz) must not exceed sample_rate/2 ({nyquist:g} Hz)")
        if self.fmin >= self.mel_fmax:
            raise ConfigError(f"FeatureConfig.fmin ({self.fmin:g} Hz) must be below fmax ({self.mel_fmax:g} Hz)")
        if self.pad_mode not in PAD_MODES:
            raise ConfigError(f"FeatureConfig.pad_mode must be one of {', '.join(PAD_MODES)}, got {self.pad_mode!r}")
        if self.crop not in CROPS:
            raise ConfigError(f"FeatureConfig.crop must be one of {', '.join(CROPS)}, got {self.crop!r}")

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    @property
    def mel_fmax(self) -> float:
        """The upper mel frequency actually used (fmax, or sample_rate/2 when unset)."""
        return self.sample_rate / 2 if self.fmax is None else self.fmax

    @property
    def fixed_frames(self) -> int | None:
        """Frames every matrix is cut or padded to, or None when there is no fixed length."""
        if self.max_seconds is None:
            return None
        # The tiny epsilon keeps e.g. 3.0 s from flooring to one frame less through float noise.
        return 1 + math.floor(self.max_seconds * self.sample_rate / self.hop_length + 1e-9)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every field."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeatureConfig:
        """Build from a dict; missing keys take defaults, unknown keys are rejected."""
        return from_mapping(cls, d)

    def to_json(self) -> str:
        """JSON text with sorted keys."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> FeatureConfig:
        """Parse JSON text written by :meth:`to_json`."""
        try:
            d = json.loads(s)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"a FeatureConfig is not valid JSON: {err}") from None
        return cls.from_dict(d)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ConfigError(f"FeatureConfig.{name} must be a positive integer, got {value!r}")
    return int(value)


def _finite_float(name: str, value: Any, minimum: float, strict: bool = False) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if not ok:
        bound = f"{'above' if strict else 'at least'} {minimum:g}"
        raise ConfigError(f"FeatureConfig.{name} must be a finite number {bound}, got {value!r}")
    return value


def feature_dims(config: FeatureConfig, kinds: Sequence[str] = ALL_KINDS) -> dict[str, int]:
    """Feature dimensions of each kind under ``config``."""
    dims = {
        "mfcc": config.n_mfcc * (3 if config.deltas else 1),
        "log_mel": config.n_mels,
        "chroma": 12,
        "centroid": 1,
        "zcr": 1,
        "rms": 1,
    }
    _check_kinds(kinds)
    return {k: dims[k] for k in kinds}


def _check_kinds(kinds: Sequence[str]) -> None:
    if isinstance(kinds, str):
        raise ConfigError(f"feature kinds must be a sequence of names, got the string {kinds!r}")
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ConfigError(f"unknown feature kind(s): {', '.join(map(str, unknown))} (known: {', '.join(ALL_KINDS)})")


@lru_cache(maxsize=16)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    basis.flags.writeable = False
    return basis


@lru_cache(maxsize=16)
def _chroma_basis(sr: int, n_fft: int) -> np.ndarray:
    basis = librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=0.0)
    basis.flags.writeable = False
    return basis


def _prepare(y: np.ndarray, config: FeatureConfig) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise AudioError(f"features need mono audio as a 1-D array, got shape {y.shape}")
    if config.trim_silence and y.size > 0 and np.any(y):
        y, _ = librosa.effects.trim(
            y, top_db=config.trim_top_db, frame_length=config.n_fft, hop_length=config.hop_length
        )
    if y.size < config.n_fft:
        y = np.pad(y, (0, config.n_fft - y.size))
    return y


def _compute(y: np.ndarray, config: FeatureConfig, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """Natural-length (n_frames, dims) float32 matrices for ``kinds`` of a prepared signal."""
    c = config
    out: dict[str, np.ndarray] = {}
    if _SPECTRAL_KINDS.intersection(kinds):
        stft = librosa.stft(
            y, n_fft=c.n_fft, hop_length=c.hop_length, win_length=c.win_length, window="hann", center=True
        )
        magnitude = np.abs(stft)
        power = magnitude**2  # the one shared power spectrogram
        if "mfcc" in kinds or "log_mel" in kinds:
            mel = _mel_basis(c.sample_rate, c.n_fft, c.n_mels, c.fmin, c.mel_fmax) @ power
            # Absolute dB (ref=1.0, no top_db): levels are comparable across clips.
            log_mel = librosa.power_to_db(mel, ref=1.0, amin=_AMIN, top_db=None)
            if "log_mel" in kinds:
                out["log_mel"] = log_mel
            if "mfcc" in kinds:
                mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=c.n_mfcc)
                if c.deltas:
                    d1 = librosa.feature.delta(mfcc, width=_DELTA_WIDTH, order=1, mode="nearest")
                    d2 = librosa.feature.delta(mfcc, width=_DELTA_WIDTH, order=2, mode="nearest")
                    mfcc = np.concatenate([mfcc, d1, d2], axis=0)
                out["mfcc"] = mfcc
        if "chroma" in kinds:
            # Equivalent to librosa.feature.chroma_stft(S=power, tuning=0.0), with a cached filter bank.
            out["chroma"] = librosa.util.normalize(_chroma_basis(c.sample_rate, c.n_fft) @ power, norm=np.inf, axis=0)
        if "centroid" in kinds:
            out["centroid"] = librosa.feature.spectral_centroid(S=magnitude, sr=c.sample_rate, n_fft=c.n_fft)
    if "zcr" in kinds:
        out["zcr"] = librosa.feature.zero_crossing_rate(y, frame_length=c.n_fft, hop_length=c.hop_length, center=True)
    if "rms" in kinds:
        out["rms"] = librosa.feature.rms(
            y=y, frame_length=c.n_fft, hop_length=c.hop_length, center=True, pad_mode="constant"
        )
    return {k: np.ascontiguousarray(out[k].T, dtype=np.float32) for k in kinds}


def fix_signal_length(y: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Cut or pad the waveform to ``max_seconds`` (unchanged when None).

    Padding the signal, not the feature frames, keeps padded frames what they are: silence
    (-100 dB log-mel with "constant"), the clip's last sample ("edge") or a loop of it ("wrap").
    """
    if config.max_seconds is None:
        return y
    target = int(round(config.max_seconds * config.sample_rate))
    n = len(y)
    if n > target:
        start = 0 if config.crop == "start" else (n - target) // 2
        return y[start : start + target]
    if n < target:
        return np.pad(y, (0, target - n), mode=config.pad_mode)
    return y


def fix_length(frames: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Cut or pad a (n_frames, dims) matrix to ``config.fixed_frames`` (unchanged when None)."""
    target = config.fixed_frames
    n = frames.shape[0]
    if target is None or n == target:
        return frames
    if n > target:
        start = 0 if config.crop == "start" else (n - target) // 2
        return frames[start : start + target]
    return np.pad(frames, ((0, target - n), (0, 0)), mode=config.pad_mode)


def extract_frames(y: np.ndarray, config: FeatureConfig, kinds: Sequence[str] = ALL_KINDS) -> dict[str, np.ndarray]:
    """Frame-level features {kind: (n_frames, dims) float32}, all with the same n_frames.

    Trims silence first when configured, then applies the fixed-length policy to the signal.
    """
    _check_kinds(kinds)
    signal = fix_signal_length(_prepare(y, config), config)
    frames = _compute(signal, config, tuple(dict.fromkeys(kinds)))
    return {k: fix_length(m, config) for k, m in frames.items()}


def frame_matrix(y: np.ndarray, config: FeatureConfig, kinds: Sequence[str] = ("mfcc",)) -> np.ndarray:
    """The chosen kinds concatenated along the feature axis: (n_frames, total_dims) float32."""
    if not kinds:
        raise ConfigError("frame_matrix needs at least one feature kind")
    frames = extract_frames(y, config, kinds)
    return np.concatenate([frames[k] for k in kinds], axis=1)


def _stats(kind: str) -> tuple[str, ...]:
    return ("mean", "std", "min", "max") if kind in SCALAR_KINDS else ("mean", "std")


def utterance_vector(y: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Statistics over frames of every kind, as 1-D float32 (order: :func:`utterance_feature_names`).

    Uses the natural frames (no fixed-length padding), so padding cannot bias the statistics.
    """
    frames = _compute(_prepare(y, config), config, ALL_KINDS)
    funcs = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max}
    parts = [funcs[s](frames[k].astype(np.float64), axis=0) for k in ALL_KINDS for s in _stats(k)]
    return np.concatenate(parts).astype(np.float32)


def _dim_names(kind: str, config: FeatureConfig) -> list[str]:
    if kind in SCALAR_KINDS:
        return [kind]
    if kind == "mfcc":
        names = [f"mfcc_{i}" for i in range(config.n_mfcc)]
        if config.deltas:
            names += [f"mfcc_d{order}_{i}" for order in (1, 2) for i in range(config.n_mfcc)]
        return names
    return [f"{kind}_{i}" for i in range(feature_dims(config, (kind,))[kind])]


def utterance_feature_names(config: FeatureConfig) -> list[str]:
    """One name per element of :func:`utterance_vector`, e.g. ``mfcc_d1_0_std``, ``centroid_max``."""
    return [f"{name}_{s}" for k in ALL_KINDS for s in _stats(k) for name in _dim_names(k, config)]
