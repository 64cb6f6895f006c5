"""Cross-corpus temperature factors: fitted on other folds only, and they fix over-confidence."""

from __future__ import annotations

import numpy as np
import pytest

from ser.errors import ConfigError
from ser.evaluation.cross_corpus import cross_fit, fit_factor, rescale
from ser.evaluation.metrics import expected_calibration_error
from ser.models.temperature import softmax


def _fold(rng: np.random.Generator, n_classes: int, sharpness: float, n: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """Targets drawn from calibrated probabilities, returned ``sharpness`` times over-confident."""
    logits = rng.normal(0, 1.5, (n, n_classes))
    calibrated = softmax(logits)
    y = np.array([rng.choice(n_classes, p=row) for row in calibrated])
    return y, softmax(logits * sharpness)


def test_factor_recovers_the_over_confidence_across_folds_of_different_widths():
    rng = np.random.default_rng(0)
    folds = [_fold(rng, c, 2.5) for c in (4, 5, 7, 8)]
    assert fit_factor(folds) == pytest.approx(2.5, rel=0.15)


def test_each_fold_factor_comes_from_the_other_folds_only():
    rng = np.random.default_rng(1)
    folds = [_fold(rng, 5, 2.0), _fold(rng, 6, 2.0), _fold(rng, 4, 6.0)]  # the last fold is far worse
    fitted = cross_fit(folds)
    assert fitted.fold_factors[2] == pytest.approx(fit_factor(folds[:2]))
    assert fitted.fold_factors[2] < 3.0  # it did not learn from its own fold's 6x over-confidence
    assert fitted.fold_factors[0] == pytest.approx(fit_factor(folds[1:]))
    assert fit_factor(folds[:2]) < fitted.factor < 6.0


def test_cross_fitted_probabilities_are_better_calibrated_and_keep_the_argmax():
    rng = np.random.default_rng(2)
    folds = [_fold(rng, c, 3.0) for c in (4, 6, 7)]
    fitted = cross_fit(folds)
    for (y, before), after in zip(folds, fitted.probas, strict=True):
        assert (before.argmax(1) == after.argmax(1)).all()
        np.testing.assert_allclose(after.sum(1), 1.0)
        assert expected_calibration_error(y, after) < expected_calibration_error(y, before) / 2


def test_rescale_by_one_changes_nothing_and_needs_two_folds():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    np.testing.assert_allclose(rescale(p, 1.0), p)
    with pytest.raises(ConfigError):
        cross_fit([(np.array([0, 2]), p)])


def test_stored_new_voice_figures_are_read_apart_from_the_in_domain_ones():
    from ser.evaluation.protocols import figure

    metrics = {"loco": {"variants": {"none": {"pooled": {"ece": 0.28}, "mean": {"uar": {"mean": 0.4, "std": 0.05}},
                                              "cross_corpus": {"factor": 2.0, "pooled": {"ece": 0.04}}}}}}
    assert figure(metrics, "loco", "none", "ece", "pooled") == 0.28
    assert figure(metrics, "loco", "none", "ece", "new_voice") == 0.04
    assert figure({"loco": {"variants": {"none": {"pooled": {"ece": 0.28}}}}}, "loco", "none", "ece", "new_voice") is None
