"""Fuzzing the decoder: mutated WAV/FLAC/MP3/OGG/M4A/WebM files into ser.audio.clip.load_clip.

Valid 1-second files (ser.testing.write_audio) get 1-4 mutations each: bit flips and byte writes
(half of them in the first 64 bytes, where the headers are), truncations, insertions, deletions,
duplicated ranges, 32-bit fields overwritten with boundary values, and RIFF chunk sizes set at
random. Every case must end in a result or one of the library's typed audio errors with a one-line
message; nothing else may escape. The work a case may cause is bounded by what it returns (at most
LIMITS.max_seconds of audio), not by a clock: timing belongs to benchmarks, not to a test that a
busy machine would make flaky.

The default run is short (500 cases, derandomised so CI is repeatable). The full
run, 10,000 random cases:

    SER_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_fuzz.py -p no:cacheprovider -s

A case that hangs inside native code for 120 s aborts the run with every thread's traceback (a
watchdog, so that a hang ends the run instead of blocking CI; no test asserts a duration). The
slowest case is printed with the summary.
"""

from __future__ import annotations

import faulthandler
import functools
import math
import os
import struct
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ser import testing  # noqa: E402
from ser.audio.clip import Limits, load_clip  # noqa: E402
from ser.errors import AudioError  # noqa: E402

EXAMPLES = int(os.environ.get("SER_FUZZ_EXAMPLES", "500"))
HANG_SECONDS = 120
LIMITS = Limits(max_seconds=30.0)  # a mutated header may announce hours; 30 s bounds the work per case
INTERESTING = (0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)
STATS = {"cases": 0, "ok": 0, "errors": {}, "slowest": 0.0}


@functools.cache
def seeds() -> dict[str, bytes]:
    speech = testing.speech_like(1.0, seed=31)
    stereo22 = np.stack([testing.speech_like(1.0, 22050, seed=32)] * 2, axis=1)
    made = {
        "pcm16.wav": (speech, 16000, {}),
        "float_stereo22k.wav": (stereo22, 22050, {"subtype": "FLOAT"}),
        "ulaw8k.wav": (testing.speech_like(1.0, 8000, seed=33), 8000, {"subtype": "ULAW"}),
        "seed.flac": (speech, 16000, {}),
        "seed.mp3": (speech, 16000, {}),
        "seed.ogg": (speech, 16000, {}),
        "seed.m4a": (speech, 16000, {}),
        "seed.webm": (speech, 16000, {}),
    }
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (samples, rate, kw) in made.items():
            out[name] = testing.write_audio(Path(folder) / name, samples, rate, **kw).read_bytes()
    return out


def _riff_chunks(data: bytearray) -> list[int]:
    """Offsets of the size fields of the RIFF chunks (best effort on a possibly damaged file)."""
    offsets, pos = [4], 12
    while pos + 8 <= len(data) and len(offsets) < 16:
        offsets.append(pos + 4)
        length = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        pos += 8 + length + (length & 1)
    return offsets


@st.composite
def mutated(draw) -> tuple[str, bytes, list[str]]:
    name = draw(st.sampled_from(sorted(seeds())))
    data = bytearray(seeds()[name])
    done: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        size = len(data)
        pos = draw(st.one_of(st.integers(0, min(63, size - 1)), st.integers(0, size - 1)))
        op = draw(st.sampled_from(["flip", "byte", "truncate", "insert", "delete", "duplicate", "int32", "chunk_size"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            data[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 256))]
        elif op == "duplicate":
            start = draw(st.integers(0, size - 1))
            data[pos:pos] = data[start : start + draw(st.integers(1, 512))]
        elif op in ("int32", "chunk_size"):
            value = draw(st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**32 - 1)))
            if op == "chunk_size" and data[:4] == b"RIFF":
                pos = draw(st.sampled_from(_riff_chunks(data)))
            data[pos : pos + 4] = struct.pack("<I", value)[: max(0, min(4, len(data) - pos))]
        done.append(f"{op}@{pos}")
    return name, bytes(data), done


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # no clock: a busy CI machine must not make a case fail
    database=None,  # writes nothing into the project; a failure prints its reproduction blob
    derandomize="SER_FUZZ_EXAMPLES" not in os.environ,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_mutated_audio_gives_a_result_or_a_typed_error(case):
    name, data, mutations = case
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # overflow or invalid values on the way count as failures
            clip = load_clip(data, LIMITS, name=name)
    except AudioError as err:
        assert err.message and "\n" not in err.message and name in err.message, err.message
        STATS["errors"][err.code] = STATS["errors"].get(err.code, 0) + 1
    else:
        assert clip.sample_rate == 16_000 and clip.samples.dtype == np.float32
        assert np.isfinite(clip.samples).all() and LIMITS.min_seconds <= clip.duration <= LIMITS.max_seconds + 1
        assert all(math.isfinite(v) for v in clip.report.to_dict().values() if isinstance(v, float))
        STATS["ok"] += 1
    finally:
        faulthandler.cancel_dump_traceback_later()
    elapsed = time.perf_counter() - started
    STATS["cases"] += 1
    STATS["slowest"] = max(STATS["slowest"], elapsed)  # reported in the summary, never asserted


def _spliced_mp3() -> bytes:
    """Found by the fuzzer: bytes 1-442 of the MP3 seed put before the whole seed. FFmpeg decodes two
    mono frames, then a stereo one; PyAV's resampler raised ValueError ("Frame does not match
    AudioResampler setup.") out of decode()."""
    seed = seeds()["seed.mp3"]
    return seed[1:443] + seed


@pytest.mark.parametrize("name,make", [("spliced.mp3", _spliced_mp3)])
def test_fuzz_regressions(name, make):
    try:
        clip = load_clip(make(), LIMITS, name=name)
    except AudioError as err:
        assert name in err.message and "\n" not in err.message
    else:
        assert np.isfinite(clip.samples).all()


def test_fuzz_summary(capsys):
    """Prints what the fuzz run saw (with -s); fails if it did not run or nothing was decoded."""
    if not STATS["cases"]:
        pytest.skip("the fuzz test did not run in this session")
    with capsys.disabled():
        print(f"\nfuzz: {STATS['cases']} cases, {STATS['ok']} decoded, errors {dict(sorted(STATS['errors'].items()))}, "
              f"slowest case {STATS['slowest']:.2f} s")
    assert STATS["ok"] > 0 and sum(STATS["errors"].values()) > 0
