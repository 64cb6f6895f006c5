"""Hostile and odd inputs for tests/test_hostile.py, each with what the library must say about it.

Everything is generated here (ser.testing); nothing comes from a corpus. Each case is small (under
a few MB) except the 1-hour WAV, which is built cheaply from a header and one repeated block.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ser import testing

RATE = testing.SAMPLE_RATE


@dataclass(frozen=True)
class Case:
    """One input: ``expect`` is "ok" or an error code of ser.errors (e.g. "not_audio");
    "a|b" allows either; ``says`` is text the message (or, for "ok", one of the warnings) must contain."""

    kind: str
    name: str
    data: bytes
    expect: str
    says: str = ""


def riff(*chunks: tuple[bytes, bytes], riff_size: int | None = None, pad: bool = True) -> bytes:
    """A RIFF/WAVE file from (id, body) chunks; odd bodies get a pad byte when ``pad``."""
    body = b"WAVE"
    for cid, data in chunks:
        body += cid + struct.pack("<I", len(data)) + data + (b"\0" if pad and len(data) % 2 else b"")
    size = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + body


def fmt_chunk(tag: int = 1, channels: int = 1, rate: int = RATE, bits: int = 16, extra: bytes = b"") -> tuple[bytes, bytes]:
    align = (channels * bits // 8) & 0xFFFF
    return b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits) + extra


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def _encoded(suffix: str, samples: np.ndarray, rate: int = RATE, **kw) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return testing.write_audio(Path(folder) / f"x{suffix}", samples, rate, **kw).read_bytes()


def long_wav_header(seconds: float, rate: int = 8000, bits: int = 8) -> tuple[bytes, int]:
    """A mono PCM WAV header announcing ``seconds`` of audio, and the data size it announces."""
    data_size = int(seconds * rate) * bits // 8
    head = b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
    head += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * bits // 8, bits // 8, bits)
    return head + b"data" + struct.pack("<I", data_size), data_size


def one_hour_wav(path: Path, seconds: float = 3600.0) -> Path:
    """A 1-hour 16 kHz 16-bit mono WAV (115 MB) of one speech-like block repeated: cheap to make."""
    block = pcm16(testing.speech_like(10.0, seed=4))
    repeats = int(seconds // 10)
    data_size = len(block) * repeats
    with open(path, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16))
        handle.write(b"data" + struct.pack("<I", data_size))
        for _ in range(repeats):
            handle.write(block)
    return path


def cases() -> list[Case]:
    speech = testing.speech_like(2.0, seed=21)
    wav = testing.wav_bytes(speech)
    flac = _encoded(".flac", speech)
    mp3 = _encoded(".mp3", speech)
    ogg = _encoded(".ogg", speech)
    m4a = _encoded(".m4a", speech)
    webm = _encoded(".webm", speech)
    samples = pcm16(speech)
    out: list[Case] = [
        Case("good 16-bit WAV (control)", "good.wav", wav, "ok"),
        # Not audio at all
        Case("text renamed .wav", "notes.wav", b"Meeting notes: not audio at all.\n" * 30, "not_audio", "not an audio file"),
        Case("random bytes .wav", "random.wav", np.random.default_rng(1).bytes(20_000), "not_audio|corrupt"),
        Case("HTML page renamed .wav", "page.wav", b"<!doctype html><html><body><script>alert(1)</script></body></html>" * 20,
             "not_audio", "not an audio file"),
        Case("PNG image renamed .mp3", "picture.mp3", _png(), "not_audio", "not an audio"),
        Case("PDF renamed .mp3", "paper.mp3", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(2000) + b"%%EOF\n",
             "not_audio", "not an audio file"),
        Case("zip archive renamed .mp3", "archive.mp3", testing.zip_bytes({"a.wav": wav}), "not_audio", "not an audio file"),
        Case("zero-length file", "empty.wav", b"", "empty", "empty (0 bytes)"),
        Case("one byte", "one.wav", b"R", "not_audio", "not an audio file"),
        # Truncated containers
        *[Case(f"WAV cut at {n} bytes", f"wav_cut_{n}.wav", wav[:n], "corrupt", "") for n in (4, 12, 20, 36, 44)],
        Case("WAV cut in half", "wav_half.wav", wav[: len(wav) // 2], "corrupt", "truncated"),
        *[Case(f"FLAC cut at {n} bytes", f"flac_cut_{n}.flac", flac[:n], "corrupt", "") for n in (4, 20, 42)],
        Case("FLAC cut in half", "flac_half.flac", flac[: len(flac) // 2], "corrupt", "truncated"),
        *[Case(f"MP3 cut at {n} bytes", f"mp3_cut_{n}.mp3", mp3[:n], "corrupt", "") for n in (3, 10, 200)],
        Case("MP3 cut in half (frames have no total length: the half decodes)", "mp3_half.mp3", mp3[: len(mp3) // 2], "ok"),
        *[Case(f"OGG cut at {n} bytes", f"ogg_cut_{n}.ogg", ogg[:n], "corrupt", "") for n in (4, 30, 100)],
        Case("OGG cut in half (before the first audio page)", "ogg_half.ogg", ogg[: len(ogg) // 2], "empty", "no audio samples"),
        Case("OGG cut at 80 %", "ogg_80.ogg", ogg[: len(ogg) * 4 // 5], "ok"),
        Case("M4A cut in half (index at the end is lost)", "m4a_half.m4a", m4a[: len(m4a) // 2], "corrupt", ""),
        Case("WebM cut in half", "webm_half.webm", webm[: len(webm) // 2], "ok"),
        Case("MP3 with an ID3 tag and no frames", "id3_only.mp3", _id3_only(), "corrupt", ""),
        # Too short, silent, odd levels
        Case("0.1 s of speech", "blip.wav", testing.wav_bytes(speech[:1600]), "too_short", "at least 0.5 s"),
        Case("one sample", "one_sample.wav", testing.wav_bytes(speech[:1]), "too_short", "at least 0.5 s"),
        Case("WAV header with no samples", "header_only.wav", testing.wav_bytes(speech[:0]), "empty", "no audio samples"),
        Case("pure digital silence", "silence.wav", testing.wav_bytes(np.zeros(2 * RATE, np.float32)), "silent", "completely silent"),
        Case("constant DC, no sound", "dc_only.wav", testing.wav_bytes(np.full(RATE, 0.4, np.float32)), "silent", "silent"),
        Case("speech on a DC offset of +0.4", "dc_offset.wav", testing.wav_bytes(speech * 0.5 + 0.4), "ok", "DC offset"),
        Case("float WAV with NaN samples", "nan.wav", _with(speech, slice(50, 60), np.nan), "non_finite", "NaN or infinite"),
        Case("float WAV with +Inf and -Inf", "inf.wav", _with(_with_arr(speech, 7, np.inf), slice(9, 10), -np.inf),
             "non_finite", "NaN or infinite"),
        Case("float WAV at 1e30 (absurd values)", "huge_float.wav", testing.wav_bytes(speech * 1e30, subtype="FLOAT"), "corrupt",
             "times full scale"),
        Case("float WAV 40 dB over full scale", "over_float.wav", testing.wav_bytes(speech * 100, subtype="FLOAT"), "ok", "Clipping"),
        Case("float WAV at 1e-30 (denormal-quiet)", "tiny_float.wav", testing.wav_bytes(speech * 1e-30, subtype="FLOAT"),
             "silent", "silent"),
        Case("extremely loud, clipped (x20)", "clipped.wav", testing.wav_bytes(np.clip(speech * 20, -1, 1)), "ok", "Clipping"),
        Case("full-scale square wave", "square.wav", testing.wav_bytes(np.sign(testing.tone(2.0, freq=200)) * 1.0), "ok", "Clipping"),
        Case("wrap-around glitches", "wraparound.wav", testing.wav_bytes(testing.wrap_int16(speech * 4)), "ok", "Wrap-around"),
        # Rates, channels, sample formats
        Case("8 kHz", "rate8k.wav", testing.wav_bytes(testing.speech_like(2.0, 8000, seed=3), 8000), "ok"),
        Case("96 kHz", "rate96k.wav", testing.wav_bytes(testing.speech_like(2.0, 96000, seed=3), 96000), "ok"),
        Case("1 kHz sample rate", "rate1k.wav", testing.wav_bytes(testing.speech_like(2.0, 1000, f0=100, seed=3), 1000), "ok"),
        Case("6 channels", "six.wav", testing.wav_bytes(np.stack([speech] * 6, 1)), "ok"),
        Case("64 channels", "sixty_four.wav", testing.wav_bytes(np.stack([speech[:RATE]] * 64, 1)), "ok"),
        Case("24-bit", "bits24.wav", testing.wav_bytes(speech, subtype="PCM_24"), "ok"),
        Case("u-law", "ulaw.wav", testing.wav_bytes(speech, subtype="ULAW"), "ok"),
        Case("8-bit unsigned", "u8.wav", testing.wav_bytes(speech, subtype="PCM_U8"), "ok"),
        Case("WAVE_FORMAT_EXTENSIBLE", "extensible.wav", _wavex(speech), "ok"),
        # Odd WAV chunk layouts
        Case("LIST chunk before fmt", "list_first.wav", riff((b"LIST", b"INFOISFT\x06\0\0\0hello\0"), fmt_chunk(), (b"data", samples)), "ok"),
        Case("unknown chunk between fmt and data", "extra_chunk.wav", riff(fmt_chunk(), (b"junk", bytes(101)), (b"data", samples)), "ok"),
        Case("odd-sized chunk without its pad byte", "odd_unpadded.wav", riff(fmt_chunk(), (b"junk", bytes(101)), (b"data", samples), pad=False),
             "corrupt", "looks like WAV but is damaged"),
        Case("data size larger than the file", "data_too_big.wav", _set_data_size(wav, len(samples) * 3), "corrupt", "truncated"),
        Case("data size smaller than the file (trailing bytes)", "data_too_small.wav", _set_data_size(wav, len(samples) // 2) + bytes(999),
             "ok"),
        Case("data size 0 (streaming placeholder)", "data_zero.wav", _set_data_size(wav, 0), "ok"),
        Case("data size 0xFFFFFFFF (streaming placeholder)", "data_ffff.wav", _set_data_size(wav, 0xFFFFFFFF), "ok"),
        Case("RIFF size wrong", "riff_size.wav", riff(fmt_chunk(), (b"data", samples), riff_size=7), "ok"),
        Case("no fmt chunk", "no_fmt.wav", riff((b"data", samples)), "corrupt", ""),
        Case("no data chunk", "no_data.wav", riff(fmt_chunk()), "corrupt|empty"),
        Case("0 channels in the header", "zero_channels.wav", riff(fmt_chunk(channels=0), (b"data", samples)), "corrupt", ""),
        Case("0 Hz sample rate in the header", "zero_rate.wav", riff(fmt_chunk(rate=0), (b"data", samples)), "corrupt", ""),
        Case("0 bits per sample", "zero_bits.wav", riff(fmt_chunk(bits=0), (b"data", samples)), "not_audio|corrupt"),
        Case("unknown format tag 0x1234", "tag_1234.wav", riff(fmt_chunk(tag=0x1234), (b"data", samples)), "not_audio", "encoding we cannot decode"),
        Case("65535 channels in the header", "many_channels.wav", riff(fmt_chunk(channels=65535), (b"data", samples)), "corrupt", ""),
        Case("4 GHz sample rate in the header", "huge_rate.wav", riff(fmt_chunk(rate=0xFFFFFFF0), (b"data", samples)), "corrupt"),
        Case("good WAV followed by garbage", "trailing_garbage.wav", wav + np.random.default_rng(2).bytes(5000), "ok"),
        # Other formats, whole
        Case("FLAC", "good.flac", flac, "ok"),
        Case("MP3", "good.mp3", mp3, "ok"),
        Case("OGG Vorbis", "good.ogg", ogg, "ok"),
        Case("M4A/AAC", "good.m4a", m4a, "ok"),
        Case("WebM/Opus", "good.webm", webm, "ok"),
        Case("WAV content named .mp3", "really_wav.mp3", wav, "ok"),
        Case("two OGG streams chained (22.05 kHz stereo after 16 kHz mono)", "chained.ogg",
             ogg + _encoded(".ogg", np.stack([testing.speech_like(1.0, 22050, seed=5)] * 2, 1), 22050), "ok"),
        Case("MP3 frames at 44.1 kHz stereo after 16 kHz mono", "mixed_rates.mp3",
             mp3 + _encoded(".mp3", np.stack([testing.speech_like(1.0, 44100, seed=6)] * 2, 1), 44100), "ok"),
        Case("MP3 frame headers over random bytes", "fake_frames.mp3", _fake_mp3_frames(), "not_audio|corrupt|too_short|silent"),
        # Length limits
        Case("WAV announcing 2.1 h (over the 2 h limit)", "too_long.wav", _long_low_rate(2.1 * 3600), "too_long", "limit is 2.00 h"),
        # Names
        Case("HTML/script in the name", "<script>alert(1)</script>.wav", wav, "ok"),
        Case("markdown in the name", "**bold** [link](http://x.example) $x^2$ :red[red] `code`.wav", wav, "ok"),
        Case("unicode name", "日本語 ünïcödé 🎙️.wav", wav, "ok"),
        Case("quotes and a newline in the name", "it's \"quoted\"\nnext line.wav", wav, "ok"),
        Case("markdown heading/list name, bad audio", "# - 1. big.wav", b"not audio" * 50, "not_audio", "not an audio file"),
        Case("name of 250 characters", "x" * 246 + ".wav", wav, "ok"),
    ]
    return out


def _png() -> bytes:
    import zlib

    raw = b"".join(b"\0" + bytes(3 * 8) for _ in range(8))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _fake_mp3_frames() -> bytes:
    """Valid-looking MPEG-1 Layer III frame headers (128 kbit/s, 44.1 kHz) with random payloads."""
    rng = np.random.default_rng(3)
    return b"".join(b"\xff\xfb\x90\x64" + rng.bytes(413) for _ in range(200))


def _id3_only() -> bytes:
    frame = b"TIT2" + struct.pack(">I", 6) + b"\0\0" + b"\x00title"
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + frame


def _with_arr(samples: np.ndarray, index: int, value: float) -> np.ndarray:
    y = samples.astype(np.float32).copy()
    y[index] = value
    return y


def _with(samples: np.ndarray, where: slice, value: float) -> bytes:
    y = samples.astype(np.float32).copy()
    y[where] = value
    return testing.wav_bytes(y, subtype="FLOAT")


def _wavex(samples: np.ndarray) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, samples, RATE, format="WAVEX", subtype="PCM_16")
    data = buffer.getvalue()
    assert struct.unpack("<H", data[20:22])[0] == 0xFFFE  # WAVE_FORMAT_EXTENSIBLE
    return data


def _set_data_size(wav: bytes, size: int) -> bytes:
    at = wav.index(b"data")
    return wav[: at + 4] + struct.pack("<I", size) + wav[at + 8 :]


def _long_low_rate(seconds: float) -> bytes:
    """A real (complete) WAV of ``seconds`` at 1 kHz 8-bit: 2.1 h is 7.6 MB."""
    head, size = long_wav_header(seconds, rate=1000, bits=8)
    tone = (128 + 60 * np.sin(2 * np.pi * 50 * np.arange(1000) / 1000)).astype(np.uint8).tobytes()
    body = (tone * (size // len(tone) + 1))[:size]
    return head + body
