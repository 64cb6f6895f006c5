"""Decoding: every format from generated files, every source kind, every decode error."""

from __future__ import annotations

import io
import struct
import tracemalloc

import numpy as np
import pytest
import soxr

from ser import testing
from ser.audio.decode import TARGET_RATE, decode
from ser.errors import (
    CorruptAudioError,
    EmptyAudioError,
    FileAccessError,
    NotAudioError,
    TooLongError,
)

LOSSLESS = [
    ("wav", "PCM_16", 16000),
    ("wav", "PCM_16", 8000),
    ("wav", "PCM_24", 44100),
    ("wav", "PCM_32", 48000),
    ("wav", "FLOAT", 96000),
    ("wav", "PCM_U8", 22050),
    ("flac", "PCM_16", 44100),
    ("flac", "PCM_24", 96000),
]
LOSSY = [
    ("wav", "ULAW", 8000),
    ("wav", "ALAW", 8000),
    ("ogg", "VORBIS", 44100),
    ("opus", None, 48000),
    ("mp3", None, 44100),
    ("mp3", None, 22050),
    ("m4a", None, 44100),
    ("webm", None, 48000),
]


def _source(rate: int, channels: int, seconds: float = 2.0) -> np.ndarray:
    mono = testing.speech_like(seconds, sample_rate=rate, seed=3)
    if channels == 1:
        return mono
    return np.stack([mono * (1 - 0.1 * c) for c in range(channels)], axis=1)


def _reference(samples: np.ndarray, rate: int) -> np.ndarray:
    mono = samples if samples.ndim == 1 else samples.mean(axis=1)
    return soxr.resample(mono.astype(np.float32), rate, TARGET_RATE, quality="HQ")


@pytest.mark.parametrize("ext,subtype,rate", LOSSLESS, ids=lambda v: str(v))
@pytest.mark.parametrize("channels", [1, 2])
def test_lossless_formats_decode_exactly(tmp_path, ext, subtype, rate, channels):
    src = _source(rate, channels)
    path = testing.write_audio(tmp_path / f"clip.{ext}", src, rate, subtype=subtype)
    audio = decode(path)
    assert audio.sample_rate == TARGET_RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.info.sample_rate == rate and audio.info.channels == channels
    ref = _reference(src, rate)
    assert abs(len(audio.samples) - len(ref)) <= 2
    n = min(len(ref), len(audio.samples))
    tolerance = 0.02 if subtype == "PCM_U8" else 1e-3
    assert np.max(np.abs(audio.samples[:n] - ref[:n])) < tolerance


@pytest.mark.parametrize("ext,subtype,rate", LOSSY, ids=lambda v: str(v))
@pytest.mark.parametrize("channels", [1, 2])
def test_lossy_formats_decode(tmp_path, ext, subtype, rate, channels):
    src = _source(rate, channels)
    path = testing.write_audio(tmp_path / f"clip.{ext}", src, rate, subtype=subtype)
    audio = decode(path)
    assert audio.sample_rate == TARGET_RATE and audio.samples.dtype == np.float32
    assert audio.info.channels == channels
    ref = _reference(src, rate)
    # Codecs add a little priming/padding; duration and level must still match.
    assert abs(audio.duration - len(ref) / TARGET_RATE) < 0.1
    level = 20 * np.log10(np.sqrt(np.mean(audio.samples**2)) / np.sqrt(np.mean(ref**2)))
    assert abs(level) < 1.5


@pytest.mark.parametrize("channels", [3, 6])
def test_many_channels_are_averaged(tmp_path, channels):
    tone = testing.tone(1.0, 16000, 440.0, 0.6)
    data = np.zeros((len(tone), channels), np.float32)
    data[:, 0] = tone
    audio = decode(testing.write_audio(tmp_path / "multi.wav", data, 16000))
    assert audio.info.channels == channels
    assert np.max(np.abs(audio.samples)) == pytest.approx(0.6 / channels, rel=0.01)


def test_resampling_keeps_frequency(tmp_path):
    audio = decode(testing.write_audio(tmp_path / "t.wav", testing.tone(1.0, 44100, 1000.0), 44100))
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert np.argmax(spectrum) * TARGET_RATE / len(audio.samples) == pytest.approx(1000.0, abs=2)


def test_every_source_kind(tmp_path, speech_wav):
    path = tmp_path / "clip.wav"
    path.write_bytes(speech_wav)
    expected = decode(path).samples

    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            chunk = self._inner.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    handle = io.BytesIO(speech_wav)
    for src in (str(path), speech_wav, bytearray(speech_wav), memoryview(speech_wav), handle, Unseekable(speech_wav)):
        np.testing.assert_array_equal(decode(src).samples, expected)
    assert not handle.closed  # the caller's object stays theirs


def test_target_rate_is_configurable(speech_wav):
    audio = decode(speech_wav, target_rate=8000)
    assert audio.sample_rate == 8000 and abs(len(audio.samples) - 24000) <= 1


def _err(exc_type, src, **kw):
    with pytest.raises(exc_type) as info:
        decode(src, **kw)
    message = info.value.message
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_text_renamed_wav_is_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("just some text, not audio\n" * 20)
    assert "not an audio file" in _err(NotAudioError, path)


def test_random_bytes_are_not_audio():
    _err(NotAudioError, np.random.default_rng(0).bytes(5000))


def test_png_is_not_audio():
    _err(NotAudioError, b"\x89PNG\r\n\x1a\n" + bytes(200))


def test_empty_inputs(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    _err(EmptyAudioError, tmp_path / "empty.wav")
    _err(EmptyAudioError, b"")


def test_wav_with_no_samples(speech):
    header_only = testing.wav_bytes(speech[:0])
    _err(EmptyAudioError, header_only)


def test_missing_file_and_folder(tmp_path):
    assert "not found" in _err(FileAccessError, tmp_path / "nope.wav")
    assert "folder" in _err(FileAccessError, tmp_path)


def test_truncated_wav(speech_wav):
    message = _err(CorruptAudioError, speech_wav[: len(speech_wav) // 2])
    assert "truncated" in message and "3.00 s" in message


def test_truncated_wav_header():
    _err(CorruptAudioError, testing.wav_bytes(np.zeros(100, np.float32))[:30])


def test_truncated_flac(tmp_path, speech):
    data = testing.write_audio(tmp_path / "a.flac", speech).read_bytes()
    _err(CorruptAudioError, data[: len(data) // 2])


@pytest.mark.parametrize("ext", ["mp3", "m4a", "ogg", "webm"])
def test_garbled_compressed_files(tmp_path, speech, ext):
    data = bytearray(testing.write_audio(tmp_path / f"a.{ext}", speech).read_bytes())
    data[64:] = np.random.default_rng(1).bytes(len(data) - 64)
    with pytest.raises((CorruptAudioError, NotAudioError, EmptyAudioError)):
        decode(bytes(data))


def test_streaming_wav_placeholder_size_is_accepted(speech_wav):
    data = bytearray(speech_wav)
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)  # what streaming recorders write
    assert abs(decode(bytes(data)).duration - 3.0) < 0.01


def test_too_long(speech_wav):
    assert "limit" in _err(TooLongError, speech_wav, max_seconds=1.0)


class _SyntheticHourWav(io.RawIOBase):
    """A seekable 1-hour 48 kHz stereo 16-bit WAV produced on the fly (no disk)."""

    rate, channels, seconds = 48_000, 2, 3600

    def __init__(self) -> None:
        block = testing.speech_like(1.0, self.rate, seed=5)
        self._block = (np.stack([block, -block], 1) * 32767).astype("<i2").tobytes()
        data_len = self.rate * self.channels * 2 * self.seconds
        fmt = struct.pack("<HHIIHH", 1, self.channels, self.rate, self.rate * 4, 4, 16)
        self._header = b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
        self._header += b"data" + struct.pack("<I", data_len)
        self._size = len(self._header) + data_len
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = {0: offset, 1: self._pos + offset, 2: self._size + offset}[whence]
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, b) -> int:
        n = max(0, min(len(b), self._size - self._pos))
        out = bytearray()
        pos = self._pos
        while len(out) < n:
            if pos < len(self._header):
                piece = self._header[pos : pos + n - len(out)]
            else:
                k = (pos - len(self._header)) % len(self._block)
                piece = self._block[k : k + n - len(out)]
            out += piece
            pos += len(piece)
        b[:n] = out
        self._pos += n
        return n


def test_one_hour_decodes_within_twice_its_output_size():
    source = _SyntheticHourWav()
    tracemalloc.start()
    try:
        audio = decode(source, name="hour.wav")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio.duration == pytest.approx(3600.0, abs=0.01)
    output = audio.samples.nbytes
    assert output == 3600 * TARGET_RATE * 4
    assert peak <= 2.0 * output, f"peak {peak / 2**20:.0f} MiB for {output / 2**20:.0f} MiB of output"
