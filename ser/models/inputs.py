"""What a model eats: one serialisable ``InputSpec`` turns a checked clip into the model's input,
identically in training, evaluation and inference. Stored in every model's meta.json.

- ``frames``: frame-level feature matrix (n_frames, dims) from ``ser.audio.features``
- ``whisper``: Whisper encoder frames (n_frames, 384), 20 ms each
- ``stats``: utterance statistics vector from ``ser.audio.features`` (for classic classifiers),
  optionally followed by the mean and std of the Whisper encoder frames
- ``layers``: mean and std over time of every hidden state of Whisper base's encoder
  (``ser.audio.whisper_layers``), flattened to one vector (7 states × 1024 = 7168 values); with
  ``whisper_peak`` set, each window's log-mel is first levelled to that peak (the same features
  whatever the recording level)

Computed features of corpus files are cached on disk (``$SER_CACHE`` or ``~/.cache/ser``),
keyed by the spec and each file's name and content (``file_key``), so a corpus copied again, moved or
touched keeps its features; entries from the earlier key (path, size, modification time) are taken over
the first time they are found.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ser.audio.features import FeatureConfig, frame_matrix, utterance_vector
from ser.errors import ConfigError
from ser.serialize import from_mapping

if TYPE_CHECKING:
    from ser.audio.augment import Augmentation

KINDS = ("frames", "whisper", "stats", "layers")


@dataclass(frozen=True)
class InputSpec:
    kind: str = "frames"
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    frame_kinds: tuple[str, ...] = ("mfcc",)
    whisper_model: str = "tiny.en"
    whisper_compute: str = "float32"
    whisper_stats: bool = False  # "stats" only: append mean/std of the Whisper frames
    whisper_context: float = 0.0  # pad short audio with silence to this many seconds before encoding
    whisper_peak: float | None = None  # "layers" only: level each window's log-mel to this peak (whisper_layers.log_mel)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown input kind {self.kind!r} (known: {', '.join(KINDS)})")
        if isinstance(self.feature_config, dict):
            object.__setattr__(self, "feature_config", FeatureConfig.from_dict(self.feature_config))
        object.__setattr__(self, "frame_kinds", tuple(self.frame_kinds))
        if self.whisper_peak is not None:
            if self.kind != "layers":
                raise ConfigError(f"whisper_peak levels Whisper base's log-mel: input kind 'layers' only, not {self.kind!r}")
            if not isinstance(self.whisper_peak, (int, float)) or not np.isfinite(self.whisper_peak):
                raise ConfigError(f"whisper_peak must be a finite number, got {self.whisper_peak!r}")
            object.__setattr__(self, "whisper_peak", float(self.whisper_peak))

    @property
    def uses_whisper(self) -> bool:
        return self.kind in ("whisper", "layers") or (self.kind == "stats" and self.whisper_stats)

    @property
    def is_sequence(self) -> bool:
        """True when the input is (n_frames, dims), False for a single vector."""
        return self.kind in ("frames", "whisper")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "feature_config": self.feature_config.to_dict(),
            "frame_kinds": list(self.frame_kinds),
            "whisper_model": self.whisper_model,
            "whisper_compute": self.whisper_compute,
            "whisper_stats": self.whisper_stats,
            **({"whisper_context": self.whisper_context} if self.whisper_context else {}),  # keeps older keys stable
            **({"whisper_peak": self.whisper_peak} if self.whisper_peak is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        return from_mapping(cls, data)

    def key(self) -> str:
        """Short stable hash of the spec (cache folder name)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def compute(self, samples: np.ndarray, precision: str = "auto") -> np.ndarray:
        """The model input for one 16 kHz mono clip. ``precision`` of Whisper base's encoder ("layers"):
        "auto" (bfloat16 where the CPU has it natively: faster, predictions agree) or "float32"."""
        if self.kind == "frames":
            return frame_matrix(samples, self.feature_config, self.frame_kinds)
        if self.kind == "whisper":
            return self._encoder().encode(samples)
        if self.kind == "layers":
            from ser.audio.whisper_layers import load_base_encoder

            if self.whisper_model != "base":
                raise ConfigError("input kind 'layers' reads Whisper base's encoder only (whisper_model 'base')")
            return load_base_encoder(precision).pooled(samples, self.whisper_peak).reshape(-1)
        vector = utterance_vector(samples, self.feature_config)
        if self.whisper_stats:
            frames = self._encoder().encode(samples)
            vector = np.concatenate([vector, frames.mean(axis=0), frames.std(axis=0)]).astype(np.float32)
        return vector

    def _encoder(self):
        from ser.audio.whisper import WhisperEncoder

        return WhisperEncoder(self.whisper_model, self.whisper_compute, self.whisper_context)


def cache_dir() -> Path:
    return Path(os.environ.get("SER_CACHE", Path.home() / ".cache" / "ser")) / "features"


def compute_many(
    spec: InputSpec,
    paths: Sequence[str],
    *,
    augmentation: Augmentation | None = None,
    use_cache: bool = True,
    progress: bool = True,
) -> list[np.ndarray]:
    """``spec.compute`` for every file (of an augmented copy of it, when given), reading and
    filling the on-disk cache.

    Files are only decoded (``ser.audio.decode.decode``): corpus clips need no quality report or voice
    activity detection, but a broken file still raises a typed error naming it.
    """
    from ser.audio.decode import decode

    folder = cache_dir() / (spec.key() if augmentation is None else f"{spec.key()}-aug-{augmentation.key()}")
    if use_cache:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "spec.json").write_text(json.dumps(spec.to_dict(), indent=1))
    out: list[np.ndarray] = []
    iterator = _progress(paths, f"features ({spec.kind}{'' if augmentation is None else f', copy {augmentation.copy}'})", progress)
    for path in iterator:
        cached = folder / f"{file_key(path)}.npy"
        if use_cache and not cached.is_file():
            _take_over(folder / f"{_legacy_key(path)}.npy", cached)
        if use_cache and cached.is_file():
            out.append(np.load(cached))
            continue
        samples = decode(path).samples
        if augmentation is not None:
            samples = augmentation.apply(samples, path)
        value = spec.compute(samples, precision="float32").astype(np.float32)  # training data: exact and reproducible
        if use_cache:
            tmp = cached.with_suffix(".tmp.npy")
            np.save(tmp, value)
            tmp.replace(cached)
        out.append(value)
    return out


def file_key(path: str) -> str:
    """sha1 of a file's name and bytes: the same clip gets the same key wherever it lies and whenever it
    was copied (the name is part of it because augmentation draws per name, ``Augmentation.apply``)."""
    st = os.stat(path)
    return _content_key(os.path.abspath(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=65536)
def _content_key(path: str, size: int, mtime_ns: int) -> str:  # size and time only tell the memo when to read again
    h = hashlib.sha1(os.path.basename(path).encode() + b"|")
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _legacy_key(path: str) -> str:
    """The key of features cached before content keys: path, size and modification time."""
    st = os.stat(path)
    return hashlib.sha1(f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()


def _take_over(old: Path, new: Path) -> None:
    try:
        os.replace(old, new)
    except FileNotFoundError:
        pass


def _progress(items: Sequence[str], desc: str, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm

    # A bar only on a terminal: in logs and CI it would print one line per update.
    return tqdm(items, desc=desc, unit="clip", file=sys.stderr, leave=False, disable=not sys.stderr.isatty())
