"""Temperature scaling on seeded synthetic logits whose true calibration is known."""

from __future__ import annotations

import numpy as np
import pytest

from ser.errors import ConfigError
from ser.evaluation.metrics import expected_calibration_error, summarize
from ser.models.temperature import fit_temperature, logits_from_proba, softmax


def calibrated(n: int, n_classes: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits and labels drawn from softmax(logits): a perfectly calibrated model."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, (n, n_classes))
    cdf = softmax(logits).cumsum(axis=1)
    y = (rng.random(n)[:, None] > cdf).sum(axis=1).clip(max=n_classes - 1)
    return logits, y


def test_recovers_over_confidence() -> None:
    logits, y = calibrated(4000, seed=1)
    assert fit_temperature(3.0 * logits, y) == pytest.approx(3.0, abs=0.3)


def test_calibrated_model_keeps_temperature_one() -> None:
    logits, y = calibrated(4000, seed=2)
    assert fit_temperature(logits, y) == pytest.approx(1.0, abs=0.15)


def test_recovers_under_confidence() -> None:
    logits, y = calibrated(4000, seed=3)
    assert fit_temperature(0.5 * logits, y) == pytest.approx(0.5, abs=0.05)


def test_scaling_improves_held_out_ece_and_nll() -> None:
    logits, y = calibrated(6000, seed=4)
    over = 3.0 * logits
    t = fit_temperature(over[:3000], y[:3000])
    labels = ["a", "b", "c", "d"]
    before = summarize(y[3000:], softmax(over[3000:]), labels)
    after = summarize(y[3000:], softmax(over[3000:], t), labels)
    assert after["ece"] < before["ece"] / 2
    assert after["nll"] < before["nll"]
    assert after["accuracy"] == before["accuracy"]  # scaling never changes the arg-max


def test_fit_is_deterministic() -> None:
    logits, y = calibrated(1000, seed=5)
    assert fit_temperature(2.0 * logits, y) == fit_temperature(2.0 * logits, y)


def test_fit_stays_within_bounds() -> None:
    logits, y = calibrated(1000, seed=6)
    t = fit_temperature(10.0 * logits, y, bounds=(0.5, 2.0))
    assert 0.5 <= t <= 2.0 and t == pytest.approx(2.0, abs=1e-3)


def test_softmax_rows_sum_to_one_and_are_stable() -> None:
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1.0, 2.0, 3.0]])
    for t in (0.05, 1.0, 7.0):
        p = softmax(logits, t)
        assert p.dtype == np.float64
        assert np.all(np.isfinite(p))
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(logits)[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(softmax(logits)[1], [1 / 3] * 3)
    np.testing.assert_allclose(softmax(logits, 1e6)[2], [1 / 3] * 3, atol=1e-6)


def test_logits_from_proba_round_trips() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]])
    logits = logits_from_proba(proba)
    assert np.all(np.isfinite(logits))
    np.testing.assert_allclose(softmax(logits), proba, atol=1e-11)


def test_calibrates_a_probability_only_model() -> None:
    logits, y = calibrated(4000, seed=7)
    proba = softmax(3.0 * logits)
    t = fit_temperature(logits_from_proba(proba), y)
    assert t == pytest.approx(3.0, abs=0.3)
    assert expected_calibration_error(y, softmax(logits_from_proba(proba), t)) < expected_calibration_error(y, proba)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan"), float("inf")])
def test_softmax_rejects_bad_temperature(temperature: float) -> None:
    with pytest.raises(ConfigError, match="temperature"):
        softmax(np.zeros((2, 3)), temperature)


def test_bad_shapes_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="2-D"):
        softmax(np.zeros(3))
    with pytest.raises(ConfigError, match="2-D"):
        logits_from_proba(np.zeros((2, 0)))
    with pytest.raises(ConfigError, match="negative"):
        logits_from_proba(np.array([[1.2, -0.2]]))
    with pytest.raises(ConfigError, match="rows"):
        fit_temperature(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ConfigError, match="outside"):
        fit_temperature(np.zeros((2, 2)), np.array([0, 2]))
    with pytest.raises(ConfigError, match="empty"):
        fit_temperature(np.zeros((0, 2)), np.array([], dtype=int))
    with pytest.raises(ConfigError, match="bounds"):
        fit_temperature(np.zeros((2, 2)), np.array([0, 1]), bounds=(0.0, 5.0))
    with pytest.raises(ConfigError, match="bounds"):
        fit_temperature(np.zeros((2, 2)), np.array([0, 1]), bounds=(5.0, 1.0))
