"""Classification metrics for model evaluation, as plain JSON-ready values (metrics.json, dashboard).

``y_true`` holds class indices into ``labels``; ``proba`` is an (n, n_classes) probability matrix
whose arg-max is the prediction. Scores come from scikit-learn where it has them; the expected
calibration error (ECE) and the clipped negative log-likelihood are computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support, recall_score

from ser.errors import ConfigError

NLL_CLIP = 1e-12
DEFAULT_FOLD_KEYS = ("accuracy", "uar", "macro_f1", "ece")


def check_targets(y_true: Sequence[int] | np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """``y_true`` as a non-empty 1-D int64 array of class indices in ``[0, n_classes)``."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ConfigError(f"y_true must be a 1-D sequence of class indices, got shape {y.shape}.")
    if y.size == 0:
        raise ConfigError("No predictions to score: y_true is empty.")
    if y.dtype.kind not in "iu":
        if y.dtype.kind != "f" or not np.all(np.isfinite(y) & (y == np.round(y))):
            raise ConfigError(f"y_true must hold whole-number class indices, got dtype {y.dtype}.")
    y = y.astype(np.int64)
    if n_classes is not None and (y.min() < 0 or y.max() >= n_classes):
        bad = int(y.min()) if y.min() < 0 else int(y.max())
        raise ConfigError(f"y_true holds class index {bad}, outside 0..{n_classes - 1} for {n_classes} classes.")
    return y


def check_scores(scores: np.ndarray, n_rows: int, name: str = "proba", n_classes: int | None = None) -> np.ndarray:
    """``scores`` as a finite float64 (n_rows, n_classes) matrix, or ``ConfigError``."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] == 0:
        raise ConfigError(f"{name} must be a 2-D (rows, classes) array, got shape {s.shape}.")
    if s.shape[0] != n_rows:
        raise ConfigError(f"{name} has {s.shape[0]} rows but y_true has {n_rows} values.")
    if n_classes is not None and s.shape[1] != n_classes:
        raise ConfigError(f"{name} has {s.shape[1]} columns but there are {n_classes} labels.")
    if not np.all(np.isfinite(s)):
        raise ConfigError(f"{name} contains NaN or infinite values.")
    return s


def _check(y_true: Sequence[int] | np.ndarray, proba: np.ndarray, n_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    y = check_targets(y_true)
    p = check_scores(proba, len(y), "proba", n_classes)
    return check_targets(y, p.shape[1]), p


def confusion(y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: rows are true classes, columns predicted ones."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ConfigError(f"n_classes must be a positive whole number, got {n_classes!r}.")
    y = check_targets(y_true, n_classes)
    pred = check_targets(y_pred, n_classes)
    if len(pred) != len(y):
        raise ConfigError(f"y_pred has {len(pred)} values but y_true has {len(y)}.")
    return confusion_matrix(y, pred, labels=np.arange(n_classes)).astype(np.int64)


def expected_calibration_error(y_true: Sequence[int] | np.ndarray, proba: np.ndarray, n_bins: int = 15) -> float:
    """Top-label ECE: sum over equal-width confidence bins (lo, hi] of |accuracy - mean confidence| x share of rows."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ConfigError(f"n_bins must be a positive whole number, got {n_bins!r}.")
    y, p = _check(y_true, proba)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], conf, side="left")
    count = np.bincount(bins, minlength=n_bins)
    gap = np.bincount(bins, weights=correct - conf, minlength=n_bins)  # per bin: count x (accuracy - confidence)
    return float(np.abs(gap[count > 0]).sum() / len(y))


def _nll(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], NLL_CLIP, 1.0)).mean())


def _or_none(value: float, defined: bool) -> float | None:
    return float(value) if defined else None


def summarize(y_true: Sequence[int] | np.ndarray, proba: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """n, accuracy, uar, macro_f1, ece, nll, per_class and confusion, all plain Python values.

    ``uar`` averages recall over the classes present in ``y_true``; ``macro_f1`` averages F1 over the
    classes in ``y_true`` or the predictions. Per class, recall is ``None`` with no support,
    precision ``None`` when never predicted, and F1 ``None`` when both are.
    """
    names = [str(label) for label in labels]
    if not names:
        raise ConfigError("labels is empty: give one name per proba column.")
    if len(set(names)) != len(names):
        raise ConfigError(f"labels must be unique, got {names}.")
    y, p = _check(y_true, proba, len(names))
    pred = p.argmax(axis=1)
    every = np.arange(len(names))
    in_true = np.unique(y)
    present = np.union1d(in_true, pred)
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=every, zero_division=0)
    predicted = np.bincount(pred, minlength=len(names))
    per_class = {
        name: {
            "precision": _or_none(precision[i], predicted[i] > 0),
            "recall": _or_none(recall[i], support[i] > 0),
            "f1": _or_none(f1[i], support[i] > 0 or predicted[i] > 0),
            "support": int(support[i]),
        }
        for i, name in enumerate(names)
    }
    return {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "uar": float(recall_score(y, pred, labels=in_true, average="macro", zero_division=0)),
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
        "ece": expected_calibration_error(y, p),
        "nll": _nll(y, p),
        "per_class": per_class,
        "confusion": confusion(y, pred, len(names)).tolist(),
    }


def pool(results: Sequence[tuple[np.ndarray, np.ndarray]], labels: Sequence[str]) -> dict[str, Any]:
    """Summarize the per-fold ``(y_true, proba)`` pairs concatenated into one set of predictions."""
    if len(results) == 0:
        raise ConfigError("No folds to pool: results is empty.")
    ys, probas = [], []
    for i, pair in enumerate(results):
        if len(pair) != 2:
            raise ConfigError(f"Fold {i} must be a (y_true, proba) pair, got {len(pair)} items.")
        y, p = _check(*pair, len(labels))
        ys.append(y)
        probas.append(p)
    return summarize(np.concatenate(ys), np.concatenate(probas), labels)


def fold_mean(summaries: Sequence[dict[str, Any]], keys: Sequence[str] = DEFAULT_FOLD_KEYS) -> dict[str, dict[str, float]]:
    """``{key: {"mean", "std"}}`` across per-fold summaries (population std, ddof=0)."""
    if len(summaries) == 0:
        raise ConfigError("No fold summaries to average.")
    out: dict[str, dict[str, float]] = {}
    for key in keys:
        missing = [i for i, s in enumerate(summaries) if s.get(key) is None]
        if missing:
            raise ConfigError(f"Fold summary {missing[0]} has no value for {key!r}.")
        values = np.array([s[key] for s in summaries], dtype=np.float64)
        out[key] = {"mean": float(values.mean()), "std": float(values.std())}
    return out
