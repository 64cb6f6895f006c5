"""Speaker-independent folds: every row tested once, no speaker on both sides."""

from __future__ import annotations

import numpy as np
import pytest

from ser.data.splits import (
    assert_speaker_independent,
    fold_speakers,
    leaked_speakers,
    leave_one_speaker_out,
    natural_key,
    speaker_group_folds,
)
from ser.errors import ConfigError, SplitLeakError


@pytest.fixture
def ravdess_like() -> list[str]:
    """24 actors x 60 rows, shuffled so fold order cannot come from row order."""
    speakers = [f"ravdess_{a:02d}" for a in range(1, 25) for _ in range(60)]
    return list(np.random.default_rng(0).permutation(speakers))


def test_six_folds_of_four_actors(ravdess_like: list[str]) -> None:
    folds = speaker_group_folds(ravdess_like, k=6)
    assert len(folds) == 6
    tested = fold_speakers(ravdess_like, folds)
    assert tested[0] == ["ravdess_01", "ravdess_02", "ravdess_03", "ravdess_04"]
    assert tested[5] == ["ravdess_21", "ravdess_22", "ravdess_23", "ravdess_24"]
    counts = np.zeros(len(ravdess_like), int)
    for train, test in folds:
        assert len(test) == 240 and len(train) == 1200
        assert_speaker_independent(ravdess_like, train, test)
        assert leaked_speakers(ravdess_like, train, test) == set()
        assert set(train).isdisjoint(test)
        counts[test] += 1
    assert (counts == 1).all()


def test_uneven_groups_are_contiguous_and_balanced() -> None:
    speakers = [f"s{i}" for i in range(1, 11)]  # 10 speakers, k=3 -> 4, 3, 3
    tested = fold_speakers(speakers, speaker_group_folds(speakers, k=3))
    assert tested == [["s1", "s2", "s3", "s4"], ["s5", "s6", "s7"], ["s8", "s9", "s10"]]


def test_natural_sorting() -> None:
    names = ["ravdess_10", "ravdess_2", "ravdess_1", "tess_OAF", "ravdess_02x"]
    assert sorted(names, key=natural_key) == ["ravdess_1", "ravdess_2", "ravdess_02x", "ravdess_10", "tess_OAF"]
    speakers = [f"spk{i}" for i in (10, 2, 1, 11)]
    tested = fold_speakers(speakers, speaker_group_folds(speakers, k=2))
    assert tested == [["spk1", "spk2"], ["spk10", "spk11"]]


def test_leave_one_speaker_out(ravdess_like: list[str]) -> None:
    folds = leave_one_speaker_out(ravdess_like)
    assert len(folds) == 24
    assert [t[0] for t in fold_speakers(ravdess_like, folds)] == [f"ravdess_{a:02d}" for a in range(1, 25)]
    for train, test in folds:
        assert len(test) == 60
        assert_speaker_independent(ravdess_like, train, test)


def test_leaky_split_raises_naming_the_speaker() -> None:
    speakers = ["a", "a", "b", "b", "c", "c"]
    train, test = np.array([0, 2, 3]), np.array([1, 4, 5])
    assert leaked_speakers(speakers, train, test) == {"a"}
    with pytest.raises(SplitLeakError, match=r"1 speaker is in both train and test: a\b"):
        assert_speaker_independent(speakers, train, test)
    with pytest.raises(SplitLeakError, match="a, b"):
        assert_speaker_independent(speakers, np.array([0, 2]), np.array([1, 3]))


@pytest.mark.parametrize("k", [0, 1, 2.5, True])
def test_bad_k_raises(k: object) -> None:
    with pytest.raises(ConfigError, match="k must be"):
        speaker_group_folds(["a", "b", "c", "d"], k=k)  # type: ignore[arg-type]


def test_more_folds_than_speakers_says_how_many_are_needed() -> None:
    with pytest.raises(ConfigError, match=r"6 folds by speaker need at least 6 speakers, and the data has 4 \(a, b, c, d\)"):
        speaker_group_folds(["a", "b", "c", "d"], k=6)


def test_too_few_speakers_raises() -> None:
    with pytest.raises(ConfigError):
        leave_one_speaker_out(["a", "a"])
    with pytest.raises(ConfigError):
        speaker_group_folds([], k=2)
