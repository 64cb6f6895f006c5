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


def speech_with_pauses(
    segments: tuple[float, ...] = (3.0, 2.5, 3.5, 2.0), gap: float = 0.8, sample_rate: int = SAMPLE_RATE, seed: int = 0
) -> np.ndarray:
    """Speech-like phrases of the given lengths separated by ``gap`` seconds of silence (a long
    recording for timeline tests), deterministic for a seed."""
    silence = np.zeros(int(gap * sample_rate), np.float32)
    parts = [silence]
    for i, seconds in enumerate(segments):
        parts += [speech_like(seconds, sample_rate, seed=seed + i, pause_fraction=0.0), silence]
    return np.concatenate(parts)


def spoken(text: str, sample_rate: int = SAMPLE_RATE, voice: str = "en") -> np.ndarray | None:
    """``text`` read by espeak-ng (real, if robotic, speech) in the language ``voice`` ("en", "pl",
    "it", ...) as float32 mono, or None when espeak-ng is not installed."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("espeak-ng") is None:
        return None
    import soundfile as sf
    import soxr

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, capture_output=True)
        y, rate = sf.read(path, dtype="float32")
    return soxr.resample(y, rate, sample_rate).astype(np.float32) if rate != sample_rate else y


def free_port() -> int:
    """A free TCP port on the loopback interface (for a local test or benchmark server)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive (in memory) holding ``members`` {name: content}."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


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


def wrap_int16(x: np.ndarray) -> np.ndarray:
    """What a recorder that does not limit samples beyond full scale stores: int16 overflow
    wraps around and flips the sign (the audio-recorder-streamlit defect)."""
    ints = np.round(np.asarray(x, dtype=np.float64) * 32767).astype(np.int64)
    return ((((ints + 32768) % 65536) - 32768) / 32768).astype(np.float32)


def write_gallery(folder: str | Path) -> list[tuple[str, Path]]:
    """Write a gallery of ordinary, odd and broken inputs into ``folder``.

    Returns (description, path) pairs. Used by tests and to document what ``ser inspect``
    says about each kind of input. Paths that must not exist (a missing file) are included.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    speech = speech_like(3.0, seed=11)
    stereo48 = np.stack([speech_like(3.0, 48000, seed=11)] * 2, axis=1)
    six96 = np.stack([speech_like(2.0, 96000, seed=12) * (1 - 0.1 * c) for c in range(6)], axis=1)
    items: list[tuple[str, Path]] = []

    def add(description: str, name: str, samples: np.ndarray | None = None, rate: int = SAMPLE_RATE, **kw) -> Path:
        path = folder / name
        if samples is not None:
            write_audio(path, samples, rate, **kw)
        items.append((description, path))
        return path

    add("WAV 16-bit 16 kHz mono", "speech16k.wav", speech)
    add("WAV 24-bit 48 kHz stereo", "stereo48k_24bit.wav", stereo48, 48000, subtype="PCM_24")
    add("WAV 32-bit float 96 kHz 6 channels", "six_channels_96k_float.wav", six96, 96000, subtype="FLOAT")
    add("WAV 32-bit integer 44.1 kHz", "int32_44k.wav", speech_like(3.0, 44100, seed=13), 44100, subtype="PCM_32")
    add("WAV 8-bit unsigned 22.05 kHz", "u8_22k.wav", speech_like(3.0, 22050, seed=14), 22050, subtype="PCM_U8")
    add("WAV µ-law 8 kHz (telephone)", "ulaw8k.wav", speech_like(3.0, 8000, seed=15), 8000, subtype="ULAW")
    add("FLAC 44.1 kHz stereo", "stereo44k.flac", np.stack([speech_like(3.0, 44100, seed=16)] * 2, 1), 44100)
    add("OGG Vorbis 22.05 kHz", "vorbis22k.ogg", speech_like(3.0, 22050, seed=17), 22050)
    add("Opus (OGG) 48 kHz", "opus48k.opus", stereo48, 48000)
    add("MP3 44.1 kHz stereo", "stereo44k.mp3", np.stack([speech_like(3.0, 44100, seed=18)] * 2, 1), 44100)
    add("M4A/AAC 44.1 kHz", "aac44k.m4a", speech_like(3.0, 44100, seed=19), 44100)
    add("WebM/Opus 48 kHz (what browsers record)", "browser.webm", speech_like(3.0, 48000, seed=20), 48000)
    add("speech with DC offset +0.3", "dc_offset.wav", speech + 0.3)
    add("clipped, too loud", "clipped.wav", np.clip(speech * 8, -1, 1))
    add("wrap-around glitches (int16 overflow)", "wraparound.wav", wrap_int16(speech * 4))
    add("very quiet speech (peak -50 dBFS)", "quiet.wav", speech * 0.0105)
    add("mostly silence (0.75 s speech in 6 s)", "mostly_silence.wav", np.concatenate([speech[:12000], np.zeros(84000, np.float32)]))
    add("white noise only", "noise.wav", noise(3.0, amplitude=0.1))
    add("0.1 s clip", "blip.wav", speech[:1600])
    add("digital silence 3 s", "silence.wav", np.zeros(48000, np.float32))
    add("hiss at -80 dBFS", "hiss.wav", noise(3.0, amplitude=1e-4))
    add("constant DC, no sound", "dc_only.wav", np.full(48000, 0.25, np.float32))
    nan = speech.copy()
    nan[100:110] = np.nan
    add("float WAV with NaN samples", "nan.wav", nan, subtype="FLOAT")
    inf = speech.copy()
    inf[200] = np.inf
    add("float WAV with an Inf sample", "inf.wav", inf, subtype="FLOAT")
    whole = wav_bytes(speech)
    for description, name, data in [
        ("text file renamed .wav", "notes.wav", b"These are meeting notes, not audio.\n" * 20),
        ("PNG image renamed .mp3", "picture.mp3", b"\x89PNG\r\n\x1a\n" + bytes(300)),
        ("zero-length file", "empty.wav", b""),
        ("WAV header with no samples", "header_only.wav", wav_bytes(speech[:0])),
        ("WAV cut in half (truncated)", "truncated.wav", whole[: len(whole) // 2]),
        ("WAV cut inside the header", "cut_header.wav", whole[:30]),
    ]:
        (folder / name).write_bytes(data)
        items.append((description, folder / name))
    flac = write_audio(folder / "full.flac", speech).read_bytes()
    (folder / "full.flac").unlink()
    (folder / "truncated.flac").write_bytes(flac[: len(flac) // 2])
    items.append(("FLAC cut in half (truncated)", folder / "truncated.flac"))
    add("unicode and HTML in the name", "<img src=x onerror=alert(1)> ünïcødé 声.wav", speech)
    (folder / "a folder.wav").mkdir(exist_ok=True)
    items.append(("a folder named .wav", folder / "a folder.wav"))
    items.append(("missing file", folder / "missing.wav"))
    return items


EMOTION_VOICES = {  # (f0 in Hz, peak level): a crude but separable "acting" of each emotion
    "neutral": (120.0, 0.25),
    "calm": (110.0, 0.18),
    "happy": (190.0, 0.45),
    "sad": (95.0, 0.12),
    "angry": (230.0, 0.8),
    "fearful": (260.0, 0.3),
    "disgust": (140.0, 0.35),
    "surprised": (300.0, 0.5),
}
_RAVDESS_CODES = {e: f"{i:02d}" for i, e in enumerate(EMOTION_VOICES, 1)}


def write_synthetic_corpus(
    folder: str | Path,
    actors: int = 6,
    emotions: tuple[str, ...] = ("neutral", "angry"),
    clips: int = 4,
    seconds: float = 1.0,
) -> Path:
    """A tiny RAVDESS-named corpus of synthetic speech whose emotions are separable (for tests).

    Each actor has its own pitch offset, so speaker normalisation has something to remove.
    """
    folder = Path(folder)
    for actor in range(1, actors + 1):
        actor_dir = folder / f"Actor_{actor:02d}"
        actor_dir.mkdir(parents=True, exist_ok=True)
        for emotion in emotions:
            f0, level = EMOTION_VOICES[emotion]
            for k in range(clips):
                statement, repetition = k % 2 + 1, k // 2 % 2 + 1
                intensity = k // 4 % 2 + 1
                name = f"03-01-{_RAVDESS_CODES[emotion]}-{intensity:02d}-{statement:02d}-{repetition:02d}-{actor:02d}.wav"
                y = speech_like(seconds, f0=f0 * (0.9 + 0.04 * actor), seed=1000 * actor + 10 * k + len(emotion), level=level)
                write_audio(actor_dir / name, y)
    return folder
