"""Synthetic audio for tests, demos and benchmarks. Never corpus audio.

Like audonnx's ``testing`` helper, this lets every test build its own input with
no external files. Signals are deterministic for a given seed.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from scipy import signal as sps

SAMPLE_RATE = 16_000


def tone(seconds: float, sample_rate: int = SAMPLE_RATE, freq: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    """A pure sine tone, float32."""
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, sample_rate: int = SAMPLE_RATE, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    """White Gaussian noise with the given RMS, float32."""
    rng = np.random.default_rng(seed)
    return (amplitude * rng.standard_normal(int(round(seconds * sample_rate)))).astype(np.float32)


def speech_like(
    seconds: float,
    sample_rate: int = SAMPLE_RATE,
    f0: float = 140.0,
    seed: int = 0,
    level: float = 0.3,
    pause_fraction: float = 0.2,
) -> np.ndarray:
    """A speech-like signal: a glottal pulse train with intonation, shaped by three
    formant resonances that change per syllable, with a ~4 Hz syllable envelope and pauses.

    Its peak is ``level`` (linear full scale). Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sample_rate))
    if n == 0:
        return np.zeros(0, np.float32)
    t = np.arange(n) / sample_rate
    # Intonation: slow random walk around f0 plus a little vibrato.
    contour = f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)) + 0.02 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(contour) / sample_rate
    source = sps.sawtooth(phase, width=0.1) + 0.05 * rng.standard_normal(n)
    # Syllables of 150-350 ms, each with its own vowel (formant set).
    vowels = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (640, 1190, 2390)]
    out = np.zeros(n)
    envelope = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.15, 0.35) * sample_rate)
        seg = slice(pos, min(n, pos + length))
        if rng.random() >= pause_fraction:
            formants = vowels[rng.integers(len(vowels))]
            piece = np.zeros(seg.stop - seg.start)
            for k, fc in enumerate(formants):
                fc = min(fc, 0.45 * sample_rate)
                b, a = sps.iirpeak(fc, Q=5 + 3 * k, fs=sample_rate)
                piece += sps.lfilter(b, a, source[seg]) / (k + 1)
            out[seg] = piece
            m = seg.stop - seg.start
            envelope[seg] = np.sin(np.pi * np.arange(m) / max(m, 1)) ** 0.5
        pos += length
    y = out * envelope
    peak = np.max(np.abs(y))
    if peak > 0:
        y = y / peak * level
    return y.astype(np.float32)


def wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, subtype: str = "PCM_16") -> bytes:
    """Encode samples (frames,) or (frames, channels) as a WAV file in memory."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, samples, sample_rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def write_audio(
    path: str | Path,
    samples: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    codec: str | None = None,
    subtype: str | None = None,
) -> Path:
    """Write samples to ``path`` in the format its suffix names.

    WAV/FLAC/OGG (Vorbis) go through soundfile (``subtype`` e.g. ``PCM_24``, ``FLOAT``, ``ULAW``);
    MP3, M4A (AAC), OPUS and WEBM (Opus) go through PyAV. ``samples`` is (frames,) or (frames, channels).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    data = np.asarray(samples, dtype=np.float32)
    if suffix in {".wav", ".flac", ".ogg"}:
        import soundfile as sf

        fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}[suffix]
        default = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS"}[fmt]
        sf.write(path, data, sample_rate, format=fmt, subtype=subtype or default)
        return path
    codecs = {".mp3": ("mp3", "libmp3lame"), ".m4a": ("ipod", "aac"), ".opus": ("ogg", "libopus"), ".webm": ("webm", "libopus")}
    if suffix not in codecs:
        raise ValueError(f"write_audio does not know the format of {path.name}")
    container_format, default_codec = codecs[suffix]
    _encode_with_av(path, data, sample_rate, container_format, codec or default_codec)
    return path


def _encode_with_av(path: Path, data: np.ndarray, sample_rate: int, container_format: str, codec: str) -> None:
    import av

    frames = data if data.ndim == 2 else data[:, None]
    channels = frames.shape[1]
    layout = {1: "mono", 2: "stereo"}.get(channels)
    if layout is None:
        raise ValueError("write_audio encodes 1 or 2 channels with PyAV")
    if codec in {"libopus", "opus"} and sample_rate not in {8000, 12000, 16000, 24000, 48000}:
        raise ValueError("Opus needs 8, 12, 16, 24 or 48 kHz")
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=sample_rate, layout=layout)
        interleaved = np.ascontiguousarray(frames, dtype=np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(interleaved, format="flt", layout=layout)
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
