"""Uploaded and recorded audio stays in memory: analysing it in the app or with `ser predict` writes
no copy of it anywhere (the project, the home caches, the temp folder), and no feature cache."""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ser import testing
from ser.cli import main

from .conftest import PROJECT_ROOT

SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "node_modules"}
MAX_READ = 256 * 2**20


def _watched() -> list[Path]:
    home = Path.home()
    places = [PROJECT_ROOT, home / ".cache", home / ".streamlit", home / ".config", home / ".local" / "share",
              Path(tempfile.gettempdir())]
    return [p for p in places if p.is_dir()]


def _snapshot(roots: list[Path], inputs: Path) -> dict[str, tuple[int, int]]:
    """path -> (mtime_ns, size) of every file under ``roots`` (symlinks not followed), leaving out the
    test's own input folder and the training feature cache (SER_CACHE points elsewhere during the test
    and is checked separately)."""
    skip = {inputs, Path.home() / ".cache" / "ser" / "features"}
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda e: None):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and Path(folder, d) not in skip]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    stat = os.lstat(path)
                except OSError:
                    continue
                seen[path] = (stat.st_mtime_ns, stat.st_size)
    return seen


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(p for p, sig in after.items() if before.get(p) != sig)


def _holding(paths: list[str], needles: list[bytes]) -> list[str]:
    found = []
    for path in paths:
        try:
            if os.path.getsize(path) > MAX_READ:
                continue
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if any(n in data for n in needles):
            found.append(path)
    return found


@pytest.fixture()
def probe(tmp_path, monkeypatch):
    """A unique noisy speech clip, the byte patterns any copy of it would hold, and a watched file system."""
    cache = tmp_path / "feature cache"
    monkeypatch.setenv("SER_CACHE", str(cache))
    rng = np.random.default_rng(uuid.uuid4().int % 2**32)
    samples = testing.speech_like(2.5, seed=int(rng.integers(1 << 30))) + rng.normal(0, 0.01, 40_000).astype(np.float32)
    wav = testing.wav_bytes(samples)
    ints = np.frombuffer(wav[wav.index(b"data") + 8 :], "<i2")
    window = ints[20_000:20_032]
    needles = [window.tobytes(), (window / 32768).astype("<f4").tobytes(), (window / 32768).astype("<f8").tobytes()]
    name = f"privacy-probe-{uuid.uuid4().hex[:8]}.wav"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    return {"wav": wav, "name": name, "needles": needles, "inputs": inputs, "cache": cache}


def _assert_no_copy(before: dict, probe: dict) -> None:
    after = _snapshot(_watched(), probe["inputs"])
    changed = _changed(before, after)
    assert not [p for p in changed if probe["name"] in p], "a file named after the upload was written"
    assert _holding(changed, probe["needles"]) == [], "the audio was written to disk"
    assert not probe["cache"].exists() or not any(probe["cache"].rglob("*")), "features were cached"


def test_app_keeps_uploads_and_recordings_in_memory(probe):
    before = _snapshot(_watched(), probe["inputs"])
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.audio_input[0].set_value((probe["name"], probe["wav"], "audio/wav")).run()  # a browser recording
    assert not at.exception and not at.error and "Emotion" in {m.label for m in at.metric}
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload(probe["name"], probe["wav"], "audio/wav").run()
    assert not at.exception and not at.error and "Emotion" in {m.label for m in at.metric}
    at.switch_page("pages/batch.py").run()
    at.main.file_uploader[0].set_value([(probe["name"], probe["wav"], "audio/wav")]).run()
    assert not at.exception and not at.error and at.dataframe[0].value["file"][0] == probe["name"]
    _assert_no_copy(before, probe)


def test_ser_predict_writes_nothing(probe, capsys):
    path = probe["inputs"] / probe["name"]
    path.write_bytes(probe["wav"])
    before = _snapshot(_watched(), probe["inputs"])
    assert main(["predict", "--json", str(path)]) == 0
    assert "emotion" in json.loads(capsys.readouterr().out)
    _assert_no_copy(before, probe)


def test_the_watch_sees_a_copy(probe):
    """The check above can fail: a copy anywhere watched, even as floats, is found."""
    before = _snapshot(_watched(), probe["inputs"])
    with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as handle:
        wav = probe["wav"]
        samples = np.frombuffer(wav[wav.index(b"data") + 8 :], "<i2") / 32768
        np.save(handle, samples.astype(np.float32))
    try:
        with pytest.raises(AssertionError, match="written to disk"):
            _assert_no_copy(before, probe)
    finally:
        os.unlink(handle.name)
