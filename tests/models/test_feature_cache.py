"""The training feature cache keys a clip by its name and content, not by where it lies or when it was copied."""

from __future__ import annotations

import os
import shutil

import numpy as np

from ser import testing
from ser.models import inputs
from ser.models.inputs import InputSpec, compute_many, file_key


def _clip(folder, name: str, seed: int) -> str:
    path = folder / name
    path.write_bytes(testing.wav_bytes(testing.speech_like(1.0, seed=seed)))
    return str(path)


def test_a_copied_corpus_keeps_its_features(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE", str(tmp_path / "cache"))
    (tmp_path / "a").mkdir()
    first = _clip(tmp_path / "a", "clip.wav", 1)
    spec = InputSpec(kind="stats")
    computed = compute_many(spec, [first], progress=False)[0]

    (tmp_path / "b").mkdir()
    copy = shutil.copy2(first, tmp_path / "b" / "clip.wav")
    os.utime(copy, (1_000_000_000, 1_000_000_000))  # another place, another time: the same clip
    assert file_key(str(copy)) == file_key(first)
    calls = []
    monkeypatch.setattr(InputSpec, "compute", lambda self, samples, precision="auto": calls.append(1) or np.zeros(3, np.float32))
    np.testing.assert_array_equal(compute_many(spec, [str(copy)], progress=False)[0], computed)
    assert not calls  # read from the cache, not computed again

    changed = _clip(tmp_path / "b", "clip.wav", 2)  # same name and place, other sound: computed afresh
    assert file_key(changed) != file_key(first)
    compute_many(spec, [changed], progress=False)
    assert calls == [1]


def test_features_cached_under_the_old_key_are_taken_over(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE", str(tmp_path / "cache"))
    path = _clip(tmp_path, "old.wav", 3)
    spec = InputSpec(kind="stats")
    folder = inputs.cache_dir() / spec.key()
    folder.mkdir(parents=True)
    marker = np.arange(5, dtype=np.float32)
    np.save(folder / f"{inputs._legacy_key(path)}.npy", marker)  # as a run before content keys left it
    np.testing.assert_array_equal(compute_many(spec, [path], progress=False)[0], marker)
    assert (folder / f"{file_key(path)}.npy").is_file() and not (folder / f"{inputs._legacy_key(path)}.npy").exists()
