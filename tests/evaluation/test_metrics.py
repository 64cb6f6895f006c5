"""Classification metrics: hand-computed values, calibration error, JSON-ready output, typed errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser.errors import ConfigError
from ser.evaluation.metrics import confusion, expected_calibration_error, fold_mean, pool, summarize

LABELS = ["angry", "happy", "sad"]


def peaked(pred: list[int], n_classes: int, top: float = 0.6) -> np.ndarray:
    """Rows with ``top`` on the predicted class and the rest spread evenly."""
    proba = np.full((len(pred), n_classes), (1 - top) / (n_classes - 1))
    proba[np.arange(len(pred)), pred] = top
    return proba


# 6 angry, 2 happy, 2 sad; 7 right. Confusion rows (true): [5 1 0], [1 1 0], [0 1 1].
Y_TRUE = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
Y_PRED = [0, 0, 0, 0, 0, 1, 1, 0, 2, 1]


def test_perfect_predictions() -> None:
    y = [0, 1, 2, 2, 1, 0]
    s = summarize(y, np.eye(3)[y], LABELS)
    assert s["n"] == 6
    assert s["accuracy"] == s["uar"] == s["macro_f1"] == 1.0
    assert s["ece"] == pytest.approx(0.0, abs=1e-12)
    assert s["nll"] == pytest.approx(0.0, abs=1e-9)
    assert s["confusion"] == [[2, 0, 0], [0, 2, 0], [0, 0, 2]]


def test_perfect_but_unconfident_is_miscalibrated() -> None:
    y = [0, 1, 2, 2, 1, 0]
    s = summarize(y, peaked(y, 3, top=0.6), LABELS)
    assert s["accuracy"] == s["uar"] == s["macro_f1"] == 1.0
    assert s["ece"] == pytest.approx(0.4)


def test_hand_computed_three_classes() -> None:
    s = summarize(Y_TRUE, peaked(Y_PRED, 3), LABELS)
    assert s["accuracy"] == pytest.approx(0.7)
    assert s["uar"] == pytest.approx((5 / 6 + 1 / 2 + 1 / 2) / 3)  # 0.611: imbalance pulls it below accuracy
    assert s["uar"] < s["accuracy"]
    assert s["macro_f1"] == pytest.approx((5 / 6 + 2 / 5 + 2 / 3) / 3)
    assert s["confusion"] == [[5, 1, 0], [1, 1, 0], [0, 1, 1]]
    pc = s["per_class"]
    assert list(pc) == LABELS
    assert pc["angry"] == pytest.approx({"precision": 5 / 6, "recall": 5 / 6, "f1": 5 / 6, "support": 6})
    assert pc["happy"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 2, "f1": 2 / 5, "support": 2})
    assert pc["sad"] == pytest.approx({"precision": 1.0, "recall": 1 / 2, "f1": 2 / 3, "support": 2})
    assert s["ece"] == pytest.approx(0.1)  # every confidence 0.6, accuracy 0.7
    assert s["nll"] == pytest.approx(-(7 * np.log(0.6) + 3 * np.log(0.2)) / 10)


def test_confusion_counts() -> None:
    m = confusion(Y_TRUE, Y_PRED, 4)
    assert m.dtype == np.int64
    assert m.tolist() == [[5, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize(
    ("confidence", "n_right", "expected"),
    [(0.8, 8, 0.0), (0.9, 5, 0.4), (0.9, 10, 0.1), (0.6, 3, 0.3)],
)
def test_ece_single_bin(confidence: float, n_right: int, expected: float) -> None:
    proba = np.tile([confidence, 1 - confidence], (10, 1))  # always predicts class 0
    y = [0] * n_right + [1] * (10 - n_right)
    assert expected_calibration_error(y, proba) == pytest.approx(expected, abs=1e-12)


def test_ece_weights_bins_by_size() -> None:
    # 4 rows at 0.9 (all right: gap 0.1) and 6 rows at 0.6 (3 right: gap 0.1) -> 0.4*0.1 + 0.6*0.1.
    proba = np.array([[0.9, 0.1]] * 4 + [[0.6, 0.4]] * 6)
    y = [0] * 4 + [0, 0, 0, 1, 1, 1]
    assert expected_calibration_error(y, proba) == pytest.approx(0.1)
    assert expected_calibration_error(y, proba, n_bins=1) == pytest.approx(abs(0.7 - (0.4 * 0.9 + 0.6 * 0.6)))


def test_absent_labels() -> None:
    labels = [*LABELS, "neutral", "calm"]
    proba = np.zeros((4, 5))
    proba[np.arange(4), [0, 1, 4, 4]] = 1.0  # "calm" predicted twice but never true; "neutral" never seen
    s = summarize([0, 1, 2, 2], proba, labels)
    assert s["per_class"]["neutral"] == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert s["per_class"]["calm"] == {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0}
    assert s["per_class"]["sad"] == {"precision": None, "recall": 0.0, "f1": 0.0, "support": 2}
    assert s["uar"] == pytest.approx(2 / 3)  # over angry, happy, sad only
    assert s["macro_f1"] == pytest.approx(2 / 4)  # angry 1, happy 1, sad 0, calm 0; neutral left out
    assert len(s["confusion"]) == 5 and all(len(row) == 5 for row in s["confusion"])


def test_json_round_trip() -> None:
    s = summarize(np.array(Y_TRUE, dtype=np.int32), peaked(Y_PRED, 3).astype(np.float32), LABELS)
    back = json.loads(json.dumps(s))
    assert back == s
    assert type(s["n"]) is int
    assert all(type(s[k]) is float for k in ("accuracy", "uar", "macro_f1", "ece", "nll"))
    assert all(type(v) is int for row in s["confusion"] for v in row)
    assert type(s["per_class"]["angry"]["support"]) is int


@pytest.mark.parametrize(
    ("y_true", "proba", "labels", "needle"),
    [
        ([0, 1], np.eye(3)[[0, 1, 2]], LABELS, "rows"),
        ([0, 1], np.eye(2), LABELS, "columns"),
        ([], np.zeros((0, 3)), LABELS, "empty"),
        ([0, 3], np.eye(3)[[0, 1]], LABELS, "outside"),
        ([0, -1], np.eye(3)[[0, 1]], LABELS, "outside"),
        ([0, 0.5], np.eye(3)[[0, 1]], LABELS, "whole-number"),
        ([0, 1], np.eye(3)[[0, 1]] * np.nan, LABELS, "NaN"),
        ([0, 1], np.eye(3)[[0]].ravel(), LABELS, "2-D"),
        ([0, 1], np.eye(3)[[0, 1]], ["a", "a", "b"], "unique"),
        ([0, 1], np.eye(3)[[0, 1]], [], "labels is empty"),
    ],
)
def test_bad_input_raises_config_error(y_true, proba, labels, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle) as info:
        summarize(y_true, proba, labels)
    assert "\n" not in info.value.message


def test_confusion_and_ece_reject_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="y_pred has 1 values"):
        confusion([0, 1], [0], 2)
    with pytest.raises(ConfigError, match="outside"):
        confusion([0, 2], [0, 1], 2)
    with pytest.raises(ConfigError, match="n_classes"):
        confusion([0], [0], 0)
    with pytest.raises(ConfigError, match="n_bins"):
        expected_calibration_error([0], np.eye(2)[[0]], n_bins=0)


def test_pool_concatenates_folds() -> None:
    proba = peaked(Y_PRED, 3)
    folds = [(np.array(Y_TRUE[:4]), proba[:4]), (np.array(Y_TRUE[4:]), proba[4:])]
    assert pool(folds, LABELS) == summarize(Y_TRUE, proba, LABELS)
    with pytest.raises(ConfigError, match="No folds"):
        pool([], LABELS)
    with pytest.raises(ConfigError, match="columns"):
        pool([(np.array([0]), np.eye(2)[[0]])], LABELS)


def test_fold_mean() -> None:
    folds = [{"accuracy": 0.5, "uar": 0.4, "macro_f1": 0.3, "ece": 0.1}, {"accuracy": 0.7, "uar": 0.6, "macro_f1": 0.5, "ece": 0.3}]
    out = fold_mean(folds)
    assert list(out) == ["accuracy", "uar", "macro_f1", "ece"]
    assert out["accuracy"] == pytest.approx({"mean": 0.6, "std": 0.1})
    assert out["ece"] == pytest.approx({"mean": 0.2, "std": 0.1})
    only = fold_mean(folds, keys=("uar",))
    assert list(only) == ["uar"] and only["uar"] == pytest.approx({"mean": 0.5, "std": 0.1})
    json.dumps(out)
    with pytest.raises(ConfigError, match="no value for 'nll'"):
        fold_mean(folds, keys=("nll",))
    with pytest.raises(ConfigError, match="No fold summaries"):
        fold_mean([])


def test_fold_mean_of_real_summaries() -> None:
    a = summarize(Y_TRUE, peaked(Y_PRED, 3), LABELS)
    b = summarize(Y_TRUE, np.eye(3)[Y_TRUE], LABELS)
    out = fold_mean([a, b])
    assert out["accuracy"]["mean"] == pytest.approx(0.85)
    assert out["accuracy"]["std"] == pytest.approx(0.15)
