"""Short version of the concurrent-session load test (benchmarks/load_test.py runs the full 8 × 20):
2 headless-Chromium sessions analyse 2 clips each on one local server: no errors, server alive."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from ser import testing

from .browser import CHROMIUM, MARKS, streamlit_server
from .conftest import PROJECT_ROOT

pytestmark = MARKS
pytest.importorskip("playwright.async_api", reason="playwright is not installed")


def _load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", PROJECT_ROOT / "benchmarks" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def test_two_sessions_at_once(server, tmp_path):
    load_test = _load_test_module()
    clip_sets = [[testing.write_audio(tmp_path / f"s{s}-clip{i}.wav", testing.speech_like(2.5, seed=10 * s + i), 16000,
                                      subtype="PCM_16") for i in range(2)] for s in range(2)]
    results, _ = asyncio.run(load_test.run_sessions(server, CHROMIUM, clip_sets, timeout_s=120))
    summary = load_test._summary(results, 1.0)
    assert summary["errors"] == [] and summary["analyses"] == 4
    assert load_test._healthy(server)
