"""Shared fixtures. Every test makes its own audio (ser.testing); no corpus audio is used."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ser import testing

from .ci_strict import fail_missing_tool_skips

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Evaluation splits stored by the tests' own training runs stay with this test session (and its
# subprocesses), never in the user's store (ser.evaluation.split_cache).
os.environ["SER_SPLITS"] = tempfile.mkdtemp(prefix="ser-test-splits-")


def data_dir() -> Path:
    """The real corpora: $SER_DATA_DIR, else ../shared/data/corpora next to the project."""
    return Path(os.environ.get("SER_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data" / "corpora"))


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """3 s of speech-like audio at 16 kHz, peak 0.3."""
    return testing.speech_like(3.0, seed=1)


@pytest.fixture(scope="session")
def speech_wav(speech: np.ndarray) -> bytes:
    return testing.wav_bytes(speech)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (the browser fixture screenshots failures); in CI, fail
    skips for a missing tool (tests/ci_strict.py)."""
    outcome = yield
    report = outcome.get_result()
    fail_missing_tool_skips(report)  # in CI, a skip for missing Chromium or espeak-ng is a failure
    setattr(item, f"rep_{report.when}", report)
