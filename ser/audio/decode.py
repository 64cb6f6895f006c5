"""Audio in: decode any common format from a path, bytes or a file-like object into
mono float32 at 16 kHz, in chunks, measuring on the way what resampling would hide.

Backends: soundfile (libsndfile: WAV, FLAC, OGG/Vorbis/Opus, MP3, AIFF, ...) first, then
PyAV (FFmpeg inside its wheel: M4A/AAC, WebM, anything else). No system ffmpeg is needed.
Resampling uses soxr ("HQ") as a stream, so memory stays near the size of the output.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from ser.errors import (
    AudioError,
    CorruptAudioError,
    EmptyAudioError,
    FileAccessError,
    NotAudioError,
    TooLongError,
)

TARGET_RATE = 16_000
CHUNK_SECONDS = 10.0
CLIP_LEVEL = 0.999  # |x| at or above this counts as clipped (int16 full scale is 0.99997)
WRAP_LEVEL = 0.75  # a sign flip between two samples both beyond this is a wrap-around

AudioSource = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO]

# Magic numbers, used only to tell "damaged audio" from "not audio" when decoding fails.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"RIFF", "WAV"),
    (0, b"RF64", "WAV"),
    (0, b"fLaC", "FLAC"),
    (0, b"OggS", "OGG"),
    (0, b"ID3", "MP3"),
    (0, b"FORM", "AIFF"),
    (0, b"caff", "CAF"),
    (0, b"\x1a\x45\xdf\xa3", "WebM/Matroska"),
    (4, b"ftyp", "MP4/M4A"),
    (0, b".snd", "AU"),
)


@dataclass(frozen=True)
class SourceInfo:
    """What the input was before we converted it."""

    name: str | None
    container: str
    codec: str
    sample_rate: int
    channels: int
    declared_seconds: float | None
    size_bytes: int | None


@dataclass(frozen=True)
class RawStats:
    """Measured on the original samples (all channels, original rate, before resampling)."""

    peak: float
    clipped_samples: int
    total_samples: int
    wraparounds: int
    nonfinite: int


@dataclass(frozen=True)
class DecodedAudio:
    """Mono float32 samples at ``sample_rate`` plus what we know of the source."""

    samples: np.ndarray
    sample_rate: int
    info: SourceInfo
    stats: RawStats

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def to_dict(self) -> dict:
        return {"info": asdict(self.info), "stats": asdict(self.stats), "duration_s": self.duration}


def decode(
    source: AudioSource,
    *,
    target_rate: int = TARGET_RATE,
    max_seconds: float | None = None,
    name: str | None = None,
) -> DecodedAudio:
    """Decode ``source`` to mono float32 at ``target_rate``.

    Raises FileAccessError, EmptyAudioError (0 bytes or 0 samples), NotAudioError,
    CorruptAudioError (damaged or truncated) or TooLongError (beyond ``max_seconds``).
    Non-finite samples are counted in ``stats.nonfinite`` and replaced by 0 in the output;
    ``ser.audio.checks`` turns a non-zero count into an error.
    """
    fileobj, display, size, owned = _open(source, name)
    try:
        if size == 0:
            raise EmptyAudioError(f"{display} is empty (0 bytes).")
        head = fileobj.read(16)
        fileobj.seek(0)
        kind = _sniff(head)
        if kind == "WAV":
            streamed = _check_wav_truncation(fileobj, size, display)
            if streamed is not None:  # a streaming writer's "0 bytes": the data runs to the end of the file
                fileobj, owned = _with_data_size(fileobj, *streamed, owned), True
        errors: list[str] = []
        for backend in (_decode_soundfile, _decode_av):
            fileobj.seek(0)
            try:
                return backend(fileobj, display, size, target_rate, max_seconds)
            except AudioError:
                raise
            except _BackendCannotOpen as exc:
                errors.append(str(exc))
        if kind is None:
            raise NotAudioError(f"{display} is not an audio file we can read (not WAV, FLAC, OGG, Opus, MP3, M4A or WebM).")
        raise CorruptAudioError(f"{display} looks like {kind} but is damaged and cannot be decoded.")
    finally:
        if owned:
            fileobj.close()


_AV_CONTAINERS = {"mov": "MP4", "matroska": "WEBM", "mp3": "MP3", "ogg": "OGG", "wav": "WAV", "aac": "AAC"}


class _BackendCannotOpen(Exception):
    """A backend does not recognise the input; the next one may."""


def _open(source: AudioSource, name: str | None) -> tuple[BinaryIO, str, int | None, bool]:
    """Return a seekable binary file object, a display name, the size in bytes and
    whether we opened it (and so must close it)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return io.BytesIO(data), one_line(name or "The audio"), len(data), True
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        display = one_line(name or path.name)
        try:
            if not path.exists():
                raise FileAccessError(f"File not found: {one_line(str(path))}")
            if path.is_dir():
                raise FileAccessError(f"{one_line(str(path))} is a folder, not an audio file.")
            handle = path.open("rb")
            return handle, display, os.fstat(handle.fileno()).st_size, True
        except (OSError, ValueError) as exc:  # e.g. a name too long for the file system, a NUL in it
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise FileAccessError(f"Cannot read {one_line(str(path))}: {reason}") from None
    if hasattr(source, "read"):
        display = name or getattr(source, "name", None) or "The audio"
        display = one_line(Path(str(display)).name)
        seekable = getattr(source, "seekable", lambda: False)()
        if not seekable:
            data = source.read()
            return io.BytesIO(data), display, len(data), True
        start = source.tell()
        source.seek(0, io.SEEK_END)
        size = source.tell() - start
        source.seek(start)
        if start:
            data = source.read()
            return io.BytesIO(data), display, len(data), True
        return source, display, size, False
    raise TypeError(f"decode() takes a path, bytes or a binary file object, not {type(source).__name__}")


def one_line(name: str) -> str:
    """A name as it appears in messages: control characters (newlines, tabs, escape sequences)
    become spaces, so every message stays one line and cannot rewrite a terminal."""
    return _CONTROL.sub(" ", name)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def looks_like_audio(head: bytes) -> bool:
    """Whether the first 16 bytes of a file are those of an audio container or stream ser knows."""
    return _sniff(head) is not None


def _sniff(head: bytes) -> str | None:
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "MP3/AAC"
    return None


def _check_wav_truncation(fileobj: BinaryIO, size: int | None, display: str) -> tuple[int, int] | None:
    """A WAV whose data chunk announces more bytes than the file holds was cut off.

    Returns (offset of the data chunk's size field, bytes of whole frames after it) when the data
    chunk announces 0 bytes but audio follows (what a writer that could not seek back leaves)."""
    if size is None:
        return None
    header = fileobj.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        fileobj.seek(0)
        return None
    pos = 12
    byte_rate = 0
    block_align = 0
    while pos + 8 <= size:
        fileobj.seek(pos)
        chunk = fileobj.read(8)
        if len(chunk) < 8:
            break
        cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if cid == b"fmt " and length >= 16:
            fmt = fileobj.read(16)
            if len(fmt) == 16:
                byte_rate, block_align = struct.unpack("<IH", fmt[8:14])
        if cid == b"data":
            present = size - (pos + 8)
            if length == 0 and block_align and present >= block_align:
                fileobj.seek(0)
                return pos + 4, min(present - present % block_align, 0xFFFFFFFF - 36)
            placeholder = length in (0, 0xFFFFFFFF, 0x7FFFFFFF) or length >= 0x7FFFF000
            if not placeholder and present < length:
                if byte_rate:
                    raise CorruptAudioError(
                        f"{display} is truncated: its header announces {length / byte_rate:.2f} s "
                        f"but only {present / byte_rate:.2f} s are in the file."
                    )
                raise CorruptAudioError(f"{display} is truncated: the file ends before its audio data does.")
            break
        pos += 8 + length + (length & 1)
    fileobj.seek(0)
    return None


def _with_data_size(fileobj: BinaryIO, at: int, length: int, owned: bool) -> BinaryIO:
    """An in-memory copy of a WAV with its data chunk size (and RIFF size) filled in."""
    data = bytearray(fileobj.read())
    if owned:
        fileobj.close()
    data[at : at + 4] = struct.pack("<I", length)
    data[4:8] = struct.pack("<I", min(len(data) - 8, 0xFFFFFFFF))
    return io.BytesIO(bytes(data))


class _Meter:
    """Running statistics over raw multi-channel blocks (frames, channels)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.clipped = 0
        self.total = 0
        self.wraps = 0
        self.nonfinite = 0
        self._last: np.ndarray | None = None

    def update(self, block: np.ndarray) -> np.ndarray:
        """Measure ``block`` and return it with non-finite values set to 0."""
        finite = np.isfinite(block)
        if not finite.all():
            self.nonfinite += int(block.size - np.count_nonzero(finite))
            block = np.where(finite, block, 0.0).astype(np.float32)
        if block.size == 0:
            return block
        mag = np.abs(block)
        self.peak = max(self.peak, float(mag.max()))
        self.clipped += int(np.count_nonzero(mag >= CLIP_LEVEL))
        self.total += block.size
        seq = block if self._last is None else np.concatenate([self._last, block])
        a, b = seq[:-1], seq[1:]
        # signbit, not a * b < 0: the product overflows float32 for absurd float samples
        self.wraps += int(np.count_nonzero((np.abs(a) > WRAP_LEVEL) & (np.abs(b) > WRAP_LEVEL) & (np.signbit(a) != np.signbit(b))))
        self._last = block[-1:]
        return block

    def stats(self) -> RawStats:
        return RawStats(self.peak, self.clipped, self.total, self.wraps, self.nonfinite)


class _Collector:
    """Collects output chunks into one preallocated array when the length is known."""

    def __init__(self, expected: int | None) -> None:
        self._buf = np.empty(expected, np.float32) if expected else None
        self._n = 0
        self._chunks: list[np.ndarray] = []

    def add(self, chunk: np.ndarray) -> None:
        if self._buf is not None and self._n + len(chunk) <= len(self._buf):
            self._buf[self._n : self._n + len(chunk)] = chunk
            self._n += len(chunk)
            return
        if self._buf is not None:
            self._chunks.append(self._buf[: self._n])
            self._buf = None
        self._chunks.append(np.array(chunk, dtype=np.float32))

    def result(self) -> np.ndarray:
        if self._buf is not None:
            return self._buf[: self._n]
        if not self._chunks:
            return np.zeros(0, np.float32)
        return np.concatenate(self._chunks)


def _convert(
    blocks: Iterator[np.ndarray],
    rate: int,
    target_rate: int,
    declared_seconds: float | None,
    max_seconds: float | None,
    display: str,
) -> tuple[np.ndarray, RawStats, int]:
    """Measure, downmix (channel mean) and resample (frames, channels) blocks."""
    import soxr

    expected = None if declared_seconds is None else int(math.ceil(declared_seconds * target_rate)) + target_rate
    out = _Collector(expected)
    meter = _Meter()
    stream = None if rate == target_rate else soxr.ResampleStream(rate, target_rate, 1, dtype="float32", quality="HQ")
    frames = 0
    limit = None if max_seconds is None else int(max_seconds * rate) + 1
    for block in blocks:
        block = meter.update(block)
        frames += len(block)
        if limit is not None and frames > limit:
            raise TooLongError(f"{display} is longer than the limit of {_fmt_seconds(max_seconds)}.")
        # float64 sum: a float32 one overflows for (broken) samples near the float32 maximum
        mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float64).astype(np.float32)
        out.add(mono if stream is None else stream.resample_chunk(np.ascontiguousarray(mono, np.float32)))
    if stream is not None:
        out.add(stream.resample_chunk(np.zeros(0, np.float32), last=True))
    return out.result(), meter.stats(), frames


def _check_length(declared: float | None, max_seconds: float | None, display: str) -> None:
    if declared is not None and max_seconds is not None and declared > max_seconds:
        raise TooLongError(
            f"{display} is {_fmt_seconds(declared)} long; the limit is {_fmt_seconds(max_seconds)}."
        )


def _decode_soundfile(
    fileobj: BinaryIO, display: str, size: int | None, target_rate: int, max_seconds: float | None
) -> DecodedAudio:
    import soundfile as sf

    try:
        snd = sf.SoundFile(fileobj)
    except Exception as exc:  # libsndfile raises several types for unknown input
        raise _BackendCannotOpen(f"soundfile: {exc}") from None
    with snd:
        rate, channels = snd.samplerate, snd.channels
        if rate <= 0 or channels <= 0:
            raise CorruptAudioError(f"{display} has an invalid header ({rate} Hz, {channels} channels).")
        declared = snd.frames / rate if snd.frames > 0 else None
        _check_length(declared, max_seconds, display)
        block = max(1, int(CHUNK_SECONDS * rate))

        def blocks() -> Iterator[np.ndarray]:
            done = 0
            try:
                while True:
                    data = snd.read(block, dtype="float32", always_2d=True)
                    if len(data) == 0:
                        return
                    done += len(data)
                    yield data
            except sf.LibsndfileError:
                of = f" of {declared:.2f} s" if declared else ""
                raise CorruptAudioError(
                    f"{display} is damaged or truncated: decoding stopped after {done / rate:.2f} s{of}."
                ) from None

        samples, stats, frames = _convert(blocks(), rate, target_rate, declared, max_seconds, display)
        exact_count = snd.format in {"WAV", "WAVEX", "RF64", "W64", "FLAC", "AIFF", "CAF", "AU"}
        if exact_count and declared is not None and frames < snd.frames - max(1, rate // 100):
            raise CorruptAudioError(
                f"{display} is truncated: its header announces {declared:.2f} s but only {frames / rate:.2f} s could be decoded."
            )
        info = SourceInfo(display, snd.format, snd.subtype, rate, channels, declared, size)
    return _finish(samples, target_rate, info, stats, display)


def _decode_av(
    fileobj: BinaryIO, display: str, size: int | None, target_rate: int, max_seconds: float | None
) -> DecodedAudio:
    import av

    try:
        container = av.open(fileobj, mode="r", metadata_errors="ignore")
    except Exception as exc:  # FFmpeg raises InvalidDataError and friends for unknown input
        raise _BackendCannotOpen(f"av: {exc}") from None
    with container:
        if not container.streams.audio:
            what = " (it holds a picture or video only)" if container.streams.video else ""
            raise NotAudioError(f"{display} is not an audio file: it has no audio track{what}.")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        if ctx is None:  # FFmpeg found an audio track but has no decoder for its encoding
            raise NotAudioError(f"{display} uses an audio encoding we cannot decode (not PCM, FLAC, Vorbis, Opus, MP3 or AAC).")
        rate = int(ctx.sample_rate or stream.rate or 0)
        channels = int(ctx.channels or 0)
        if rate <= 0 or channels <= 0:
            raise CorruptAudioError(f"{display} has an audio track with no valid sample rate or channel count.")
        declared = None
        if stream.duration is not None and stream.time_base is not None:
            declared = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            declared = container.duration / 1_000_000
        if declared is not None and declared <= 0:
            declared = None
        _check_length(declared, max_seconds, display)
        layout = ctx.layout if ctx.layout and ctx.layout.nb_channels == channels else av.AudioLayout(channels)
        resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)

        def convert(frame: av.AudioFrame) -> list[av.AudioFrame]:
            """Frames in the output format. A stream whose rate or channels change mid-way (spliced
            or chained files) gets a new resampler, still converting to the first frame's rate/layout."""
            nonlocal resampler
            try:
                return resampler.resample(frame)
            except ValueError:  # "Frame does not match AudioResampler setup."
                flushed = resampler.resample(None)
                resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
                return flushed + resampler.resample(frame)

        def blocks() -> Iterator[np.ndarray]:
            pending: list[np.ndarray] = []
            pending_frames = 0
            want = int(CHUNK_SECONDS * rate)
            try:
                for frame in container.decode(stream):
                    for converted in convert(frame):
                        arr = converted.to_ndarray().reshape(-1, channels)
                        pending.append(arr)
                        pending_frames += len(arr)
                    if pending_frames >= want:
                        yield np.concatenate(pending)
                        pending, pending_frames = [], 0
                for converted in resampler.resample(None):
                    pending.append(converted.to_ndarray().reshape(-1, channels))
            except av.error.FFmpegError as exc:
                raise CorruptAudioError(f"{display} is damaged: decoding failed ({exc.strerror or exc}).") from None
            if pending:
                yield np.concatenate(pending)

        samples, stats, _ = _convert(blocks(), rate, target_rate, declared, max_seconds, display)
        fmt = container.format.name.split(",")[0]
        info = SourceInfo(display, _AV_CONTAINERS.get(fmt, fmt.upper()), ctx.name, rate, channels, declared, size)
    return _finish(samples, target_rate, info, stats, display)


def _finish(samples: np.ndarray, rate: int, info: SourceInfo, stats: RawStats, display: str) -> DecodedAudio:
    if stats.total_samples == 0 or len(samples) == 0:
        raise EmptyAudioError(f"{display} contains no audio samples.")
    return DecodedAudio(samples, rate, info, stats)


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"
