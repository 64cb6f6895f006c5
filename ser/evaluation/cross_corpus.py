"""Calibration for voices from elsewhere: a temperature factor learnt from corpora a model never heard.

Each training fit scales its logits by a temperature fitted on held-out *speakers of its own corpora*
(``ser.models.training``). On a corpus it never heard the model is less accurate than on those
speakers, so those probabilities are over-confident. Leave-one-corpus-out predictions show by how
much: a factor ``f`` on top of each fold's own temperature (``softmax(log p / f)``, which equals
scaling that fold's logits by ``T · f``) fitted to minimise the NLL of the held-out corpora.

To report that calibration honestly, it is cross-fitted: the factor applied to one held-out corpus is
fitted on the *other* folds' held-out corpora only, never on the corpus it is scored on. The factor
fitted on all folds is the one a shipped model trained on every corpus uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ser.errors import ConfigError
from ser.models.temperature import fit_temperature_groups, logits_from_proba, softmax

Fold = tuple[np.ndarray, np.ndarray]  # (targets, probabilities over that fold's own classes)


def rescale(proba: np.ndarray, factor: float) -> np.ndarray:
    """Probabilities with their temperature multiplied by ``factor`` (argmax unchanged)."""
    return softmax(logits_from_proba(proba), factor)


def fit_factor(folds: Sequence[Fold]) -> float:
    """The temperature factor minimising the mean NLL over all ``folds`` together."""
    return fit_temperature_groups([(logits_from_proba(p), y) for y, p in folds])


@dataclass(frozen=True)
class CrossFitted:
    factor: float  # fitted on every fold: the one to ship
    fold_factors: tuple[float, ...]  # fold k's factor, fitted on the other folds only
    probas: tuple[np.ndarray, ...]  # fold k's probabilities rescaled by its own cross-fitted factor


def cross_fit(folds: Sequence[Fold]) -> CrossFitted:
    """Cross-fitted factors (each fold's from the others) and the factor from all folds (needs ≥ 2 folds)."""
    if len(folds) < 2:
        raise ConfigError("cross-fitting a temperature needs at least two folds.")
    factors = tuple(fit_factor([f for j, f in enumerate(folds) if j != k]) for k in range(len(folds)))
    probas = tuple(rescale(p, t) for (_, p), t in zip(folds, factors, strict=True))
    return CrossFitted(fit_factor(folds), factors, probas)
