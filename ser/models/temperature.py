"""Temperature scaling: post-hoc probability calibration with one parameter.

Fit ``T`` on held-out logits (``fit_temperature``), then use ``softmax(logits, T)``. ``T > 1``
softens an over-confident model, ``T < 1`` sharpens an under-confident one; the arg-max, and so
accuracy, never changes. Models that only give probabilities go through ``logits_from_proba`` first.
"""

from __future__ import annotations

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
    lo, hi = (float(b) for b in bounds)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ConfigError(f"bounds must be two finite temperatures with 0 < low < high, got {bounds!r}.")
    y = check_targets(y_true)
    z = check_scores(logits, len(y), "logits")
    y = check_targets(y, z.shape[1])
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        return float(-log_softmax(z / np.exp(log_t), axis=1)[rows, y].mean())

    result = minimize_scalar(nll, bounds=(np.log(lo), np.log(hi)), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))
