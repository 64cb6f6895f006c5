"""Speaker-independent splits: no speaker is ever in both train and test.

Folds are built from speaker ids (one per row). Speakers are sorted naturally
(``ravdess_2`` before ``ravdess_10``) and cut into contiguous groups, so with RAVDESS's
24 actors and k=6 the test folds are actors 1-4, 5-8, ..., 21-24.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ser.errors import ConfigError, SplitLeakError

Fold = tuple[np.ndarray, np.ndarray]


def natural_key(text: str) -> tuple[str | int, ...]:
    """Sort key that orders digit runs by value: ``a2`` < ``a10``."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", str(text))))


def _as_array(speakers: Sequence[str]) -> np.ndarray:
    arr = np.asarray([str(s) for s in speakers], dtype=object)
    if arr.size == 0:
        raise ConfigError("No speakers given: a split needs at least one row per speaker.")
    return arr


def _folds_from_groups(group_of_row: np.ndarray) -> list[Fold]:
    """One (train, test) pair per group id, in group-id order."""
    from sklearn.model_selection import LeaveOneGroupOut  # lazy: keeps `import ser.data.corpora` light

    x = np.zeros((len(group_of_row), 1))
    return list(LeaveOneGroupOut().split(x, groups=group_of_row))


def speaker_group_folds(speakers: Sequence[str], k: int = 6) -> list[Fold]:
    """k folds whose test sets are contiguous groups of naturally sorted speakers (as even as possible)."""
    arr = _as_array(speakers)
    unique = sorted(set(arr), key=natural_key)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 2:
        raise ConfigError(f"k must be a whole number from 2 to the number of speakers ({len(unique)}), got {k!r}.")
    if k > len(unique):  # e.g. `ser train` on a small corpus of one's own: RAVDESS 6 folds by actor needs six actors
        raise ConfigError(f"{k} folds by speaker need at least {k} speakers, and the data has {len(unique)} "
                          f"({', '.join(unique[:8])}{', …' if len(unique) > 8 else ''}).")
    fold_of: dict[str, int] = {}
    for fold, group in enumerate(np.array_split(np.array(unique, dtype=object), k)):
        fold_of.update(dict.fromkeys(group, fold))
    return _folds_from_groups(np.array([fold_of[s] for s in arr]))


def leave_one_speaker_out(speakers: Sequence[str]) -> list[Fold]:
    """One fold per speaker (naturally sorted), that speaker's rows as the test set."""
    arr = _as_array(speakers)
    unique = sorted(set(arr), key=natural_key)
    if len(unique) < 2:
        raise ConfigError("Leave-one-speaker-out needs at least two speakers.")
    index = {s: i for i, s in enumerate(unique)}
    return _folds_from_groups(np.array([index[s] for s in arr]))


def fold_speakers(speakers: Sequence[str], folds: Sequence[Fold]) -> list[list[str]]:
    """For each fold, its test speakers, naturally sorted (handy for reports)."""
    arr = _as_array(speakers)
    return [sorted(set(arr[test]), key=natural_key) for _, test in folds]


def leaked_speakers(speakers: Sequence[str], train_idx: np.ndarray, test_idx: np.ndarray) -> set[str]:
    """Speakers that appear in both the train and the test rows."""
    arr = _as_array(speakers)
    return set(arr[np.asarray(train_idx, dtype=int)]) & set(arr[np.asarray(test_idx, dtype=int)])


def assert_speaker_independent(speakers: Sequence[str], train_idx: np.ndarray, test_idx: np.ndarray) -> None:
    """Raise ``SplitLeakError`` naming every speaker found on both sides of the split."""
    leaked = sorted(leaked_speakers(speakers, train_idx, test_idx), key=natural_key)
    if leaked:
        shown = ", ".join(leaked[:10]) + (f" and {len(leaked) - 10} more" if len(leaked) > 10 else "")
        raise SplitLeakError(
            f"Speaker leak: {_count(len(leaked))} in both train and test: {shown}. "
            "Use speaker-independent folds (speaker_group_folds)."
        )


def _count(n: int) -> str:
    return "1 speaker is" if n == 1 else f"{n} speakers are"
