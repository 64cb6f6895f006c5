"""Temperature scaling: post-hoc probability calibration with one parameter.

Fit ``T`` on held-out logits (``fit_temperature``), then use ``softmax(logits, T)``. ``T > 1``
softens an over-confident model, ``T < 1`` sharpens an under-confident one; the arg-max, and so
accuracy, never changes. Models that only give probabilities go through ``logits_from_proba`` first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from ser.errors import ConfigError
from ser.evaluation.metrics import NLL_CLIP, check_scores, check_targets


def _check_temperature(temperature: float) -> float:
    t = float(temperature)
    if not np.isfinite(t) or t <= 0:
        raise ConfigError(f"temperature must be a positive finite number, got {temperature!r}.")
    return t


def _check_matrix(values: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return check_scores(arr, arr.shape[0] if arr.ndim else 0, name)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise float64 softmax of ``logits / temperature``, stable for very large logits."""
    z = _check_matrix(logits, "logits") / _check_temperature(temperature)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logits_from_proba(proba: np.ndarray) -> np.ndarray:
    """Log-probabilities (clipped at 1e-12) usable as logits: ``softmax(logits_from_proba(p)) == p``."""
    p = _check_matrix(proba, "proba")
    if (p < 0).any():
        raise ConfigError("proba contains negative values.")
    return np.log(np.clip(p, NLL_CLIP, None))


def fit_temperature(logits: np.ndarray, y_true: np.ndarray, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The T within ``bounds`` minimising the mean NLL of ``softmax(logits / T)`` (bounded search on log T)."""
    return fit_temperature_groups([(logits, y_true)], bounds)


def fit_temperature_groups(
    groups: Sequence[tuple[np.ndarray, np.ndarray]], bounds: tuple[float, float] = (0.05, 20.0)
) -> float:
    """One T for several ``(logits, y_true)`` groups whose class counts may differ (e.g. corpora scored
    on their own classes): the T minimising the mean NLL over all their rows together."""
    lo, hi = (float(b) for b in bounds)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ConfigError(f"bounds must be two finite temperatures with 0 < low < high, got {bounds!r}.")
    if len(groups) == 0:
        raise ConfigError("No groups to fit a temperature on.")
    checked = []
    for logits, y_true in groups:
        y = check_targets(y_true)
        z = check_scores(logits, len(y), "logits")
        checked.append((z, check_targets(y, z.shape[1])))
    total = sum(len(y) for _, y in checked)

    def nll(log_t: float) -> float:
        t = np.exp(log_t)
        return float(sum(-log_softmax(z / t, axis=1)[np.arange(len(y)), y].sum() for z, y in checked) / total)

    result = minimize_scalar(nll, bounds=(np.log(lo), np.log(hi)), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))
