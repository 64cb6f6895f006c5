"""Checks against the real corpora (RAVDESS, TESS) in ../shared/data/corpora; skipped when absent."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from ser.data.corpora import CorpusScan, read_manifest, scan_folder
from ser.data.splits import assert_speaker_independent, speaker_group_folds

pytestmark = pytest.mark.data

DATA_DIR = Path(os.environ.get("SER_DATA_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "corpora")


@pytest.fixture(scope="module")
def manifest() -> CorpusScan:
    if not (DATA_DIR / "MANIFEST.csv").is_file():
        pytest.skip(f"real corpora not found: no MANIFEST.csv in {DATA_DIR} (set SER_DATA_DIR)")
    return read_manifest(DATA_DIR / "MANIFEST.csv")


def rows_of(scan: CorpusScan, dataset: str) -> list:
    return [r for r in scan.rows if r.dataset == dataset]


def test_manifest_has_no_problems(manifest: CorpusScan) -> None:
    assert manifest.problems == []


def test_manifest_ravdess(manifest: CorpusScan) -> None:
    rows = rows_of(manifest, "ravdess")
    assert len(rows) == 1440
    assert len({r.speaker for r in rows}) == 24
    emotions = Counter(r.emotion for r in rows)
    assert len(emotions) == 8
    assert emotions.pop("neutral") == 96
    assert set(emotions.values()) == {192}
    genders = Counter(dict({(r.speaker, r.gender) for r in rows}).values())
    assert genders == {"male": 12, "female": 12}
    assert {r.intensity for r in rows} == {"normal", "strong"}


def test_manifest_tess(manifest: CorpusScan) -> None:
    rows = rows_of(manifest, "tess")
    assert len(rows) == 2798
    assert {r.speaker for r in rows} == {"tess_OAF", "tess_YAF"}
    assert len({r.emotion for r in rows}) == 7
    assert {r.gender for r in rows} == {"female"}


@pytest.mark.parametrize("dataset", ["ravdess", "tess"])
def test_scan_matches_manifest(manifest: CorpusScan, dataset: str) -> None:
    scan = scan_folder(DATA_DIR / dataset)
    assert scan.problems == []
    triples = sorted((r.path, r.speaker, r.emotion) for r in scan.rows)
    assert triples == sorted((r.path, r.speaker, r.emotion) for r in rows_of(manifest, dataset))


def test_ravdess_folds_are_speaker_independent(manifest: CorpusScan) -> None:
    speakers = [r.speaker for r in rows_of(manifest, "ravdess")]
    folds = speaker_group_folds(speakers, k=6)
    assert len(folds) == 6
    for train, test in folds:
        assert len(test) == 240
        assert_speaker_independent(speakers, train, test)
