"""ser.reports.model_report and ser.reports.charts: stored model files → tables, matrices, curves, cards and figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ser.models.artifacts import list_models, models_dir
from ser.reports import charts as rp
from ser.reports import model_report as mr

LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
SHARED = [e for e in LABELS if e != "calm"]


def _summary(labels: list[str], accuracy: float, rng: np.random.Generator) -> dict:
    return {"n": 40, "accuracy": accuracy, "uar": accuracy - 0.01, "macro_f1": accuracy - 0.02, "ece": 0.1, "nll": 1.2,
            "per_class": {e: {"precision": 0.5, "recall": 0.5, "f1": float(rng.uniform(0.2, 0.9)), "support": 5} for e in labels}}


def _protocol(labels: list[str], folds: list[list[str]], rng: np.random.Generator) -> tuple[dict, dict, list]:
    metrics = {"title": "t", "labels": labels, "folds": [{"test_speakers": s, "n_train": 100, "n_test": 40} for s in folds], "variants": {}}
    confusion = {"labels": labels, "variants": {}}
    for variant in ("none", "baseline_3", "baseline_10"):
        per_fold = [_summary(labels, 0.5 + 0.05 * i, rng) for i in range(len(folds))]
        mean = {k: {"mean": float(np.mean([f[k] for f in per_fold])), "std": 0.02} for k in ("accuracy", "uar", "macro_f1", "ece")}
        metrics["variants"][variant] = {"per_fold": per_fold, "mean": mean, "pooled": _summary(labels, 0.55, rng)}
        matrices = [rng.integers(0, 6, (len(labels), len(labels))).tolist() for _ in folds]
        confusion["variants"][variant] = {"per_fold": matrices, "summed": np.sum(matrices, axis=0).tolist()}
    epochs = [{"plain": {"loss": [2.0, 1.5, 1.2, 1.3], "val_loss": [2.1, 1.7, 1.6, 1.8], "accuracy": [0.2, 0.4, 0.6, 0.7],
                         "val_accuracy": [0.2, 0.3, 0.4, 0.35]}, "calibrated": {"accuracy": [0.5], "val_accuracy": [0.4]},
               "temperature": {"plain": 1.5, "calibrated": 1.4}} for _ in folds]
    return metrics, confusion, epochs


def write_model(root: Path, name: str, protocols: tuple[str, ...] = ("ravdess_6fold", "tess_to_ravdess"), files: tuple[str, ...] = (
        "metrics", "confusion", "history"), architecture: str = "whisper_head") -> Path:
    """A model folder with the stored JSON files of a real one (no weights: nothing here loads weights)."""
    rng = np.random.default_rng(len(name))
    folder = root / name
    folder.mkdir(parents=True)
    meta = {"format": 1, "name": name, "labels": LABELS, "files": {"model.keras": "0" * 64},
            "spec": {"name": name, "architecture": architecture, "params": {"hidden_units": 8},
                     "input": {"kind": "whisper", "feature_config": {"sample_rate": 16000, "hop_length": 160}, "whisper_model": "tiny.en"},
                     "epochs": 4, "batch_size": 8, "learning_rate": 0.01, "patience": 2, "val_fraction": 0.15, "seed": 3},
            "variants": {"plain": {"file": "model.keras", "temperature": 1.7}},
            "training_data": {"clips": 120, "speakers": 6, "per_dataset": {"ravdess": 120}, "manifest_sha256": {"data": "ab" * 32},
                              "rows_sha256": "cd" * 32, "label_set": {"merge_calm": False}},
            "command": f"ser train {name}", "seed": 3, "versions": {"python": "3.11"}, "created": "2026-01-01T00:00:00+00:00",
            "train_seconds": 90.0, "parameters": 1234, "size_mb": 0.1, "latency_ms_3s": {"median": 12.0, "p95": 15.0, "runs": 30}}
    (folder / "meta.json").write_text(json.dumps(meta))
    metrics, confusion, history = {}, {}, {"final": {"plain": {"history": {"accuracy": [0.6], "val_accuracy": [0.5]}, "temperature": 1.7}}}
    for protocol in protocols:
        folds = [["ravdess_01", "ravdess_02"], ["ravdess_03", "ravdess_04"], ["ravdess_05", "ravdess_06"]] \
            if protocol == "ravdess_6fold" else [[f"ravdess_{i:02d}" for i in range(1, 7)]]
        metrics[protocol], confusion[protocol], history[protocol] = _protocol(LABELS if protocol == "ravdess_6fold" else SHARED, folds, rng)
    for key, data in (("metrics", metrics), ("confusion", confusion), ("history", history)):
        if key in files:
            (folder / f"{key}.json").write_text(json.dumps(data))
    return folder


@pytest.fixture()
def zoo(tmp_path) -> Path:
    write_model(tmp_path, "alpha")
    write_model(tmp_path, "beta", protocols=("ravdess_6fold",), architecture="svm")
    write_model(tmp_path, "gamma", files=("metrics",))  # no confusion or history stored
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{not json")
    (tmp_path / "DEFAULT").write_text("beta\n")
    return tmp_path


def test_reports_put_the_default_first_and_explain_what_is_missing(zoo):
    reports, problems = mr.load_reports(zoo)
    assert [r.label for r in reports] == ["beta ★", "alpha", "gamma"]
    assert len(problems) == 1 and "broken" in problems[0] and "meta.json" in problems[0]
    gamma = reports[2]
    assert any("confusion.json is missing" in p for p in gamma.problems)
    assert mr.confusion_matrix(gamma, "ravdess_6fold") is None
    assert mr.training_curves(gamma, "ravdess_6fold") == [] and mr.history_protocols(gamma) == []


def test_tables_contain_every_model_and_leave_missing_protocols_empty(zoo):
    reports, _ = mr.load_reports(zoo)
    overview = mr.overview_table(reports)
    assert list(overview["model"]) == ["beta ★", "alpha", "gamma"]
    beta = overview.set_index("model").loc["beta ★"]
    assert beta["RAVDESS acc"] == pytest.approx(100 * np.mean([0.5, 0.55, 0.6]))
    assert beta["T→R UAR"] is None or np.isnan(beta["T→R UAR"])  # beta was not evaluated cross-corpus
    cross = mr.protocol_table(reports, "tess_to_ravdess")
    assert list(cross["model"]) == ["alpha", "gamma"]
    assert [c for c in cross.columns if c.startswith("F1 ")] == [f"F1 {e}" for e in SHARED]
    calibration = mr.calibration_table(reports, "ravdess_6fold")
    assert {"acc (none)", "acc (norm. 3 clips)", "acc (norm. 10 clips)", "temperature"} <= set(calibration.columns)
    assert calibration["temperature"].iloc[0] == pytest.approx(1.7)


def test_protocols_say_what_they_mean_and_their_chance_level(zoo):
    reports, _ = mr.load_reports(zoo)
    assert mr.protocols(reports) == ["ravdess_6fold", "tess_to_ravdess"]
    assert mr.chance(mr.protocol_labels(reports, "ravdess_6fold")) == pytest.approx(1 / 8)
    text = mr.protocol_description(reports, "tess_to_ravdess")
    assert "Cross-corpus" in text and "7 classes" in text and "chance 14.3 %" in text
    assert mr.variants(reports, "ravdess_6fold") == ["none", "baseline_3", "baseline_10"]
    table = mr.headline_figures(reports, "uar")
    assert set(table["protocol"]) == {"RAVDESS 6-fold", "TESS → RAVDESS"} and table["default"].sum() == 1


def test_confusion_per_fold_sums_to_the_stored_total_and_rows_normalise_to_one(zoo):
    reports, _ = mr.load_reports(zoo)
    alpha = reports[1]
    summed = mr.confusion_matrix(alpha, "ravdess_6fold", "baseline_3")
    folds = [mr.confusion_matrix(alpha, "ravdess_6fold", "baseline_3", k) for k in range(3)]
    assert summed.scope == "all folds summed" and folds[1].scope == "fold 2: test ravdess_03, ravdess_04"
    assert np.array_equal(sum(f.counts for f in folds), summed.counts)
    shares = mr.row_normalise(summed.counts)
    assert np.allclose(shares.sum(axis=1)[summed.counts.sum(axis=1) > 0], 1.0)
    assert mr.confusion_matrix(alpha, "ravdess_6fold", "none", 7) is None


def test_row_normalise_leaves_empty_rows_at_zero():
    shares = mr.row_normalise(np.array([[3, 1], [0, 0]]))
    assert shares.tolist() == [[0.75, 0.25], [0.0, 0.0]]


def test_curves_per_fold_and_final_fit(zoo):
    reports, _ = mr.load_reports(zoo)
    alpha = reports[1]
    assert mr.history_protocols(alpha) == ["ravdess_6fold", "tess_to_ravdess", "final"]
    curves = mr.training_curves(alpha, "ravdess_6fold")
    assert len(curves) == 3 and curves[0].epochs == 4 and mr.best_epoch(curves[0]) == 3
    assert curves[0].title.startswith("fold 1: test ravdess_01")
    final = mr.training_curves(alpha, "final")
    assert final[0].epochs == 1 and mr.best_epoch(final[0]) is None  # one fit, no loss stored


def test_model_card_names_provenance(zoo):
    reports, _ = mr.load_reports(zoo)
    card = dict(mr.model_card(reports[1]))
    assert card["command"] == "ser train alpha" and card["seed"] == "3"
    assert card["manifest sha256"].startswith("abab") and card["labelled rows sha256"].startswith("cdcd")
    assert "1.5 min" in card["training time"] and "1,234 parameters" in card["size"]
    assert card["peak memory"] == "not stored"
    reports[1].meta["peak_memory_gb"] = 3.37
    assert dict(mr.model_card(reports[1]))["peak memory"].startswith("3.4 GB resident")
    assert "Whisper tiny.en" in card["input features"] and "120 clips from 6 speakers" in card["training data"]
    assert "Front end" not in card["architecture"]
    report = reports[1]
    report.meta["spec"]["params"].update(clip_norm="meanvar", spec_augment=[2, 10, 2, 8], time_pool=4)
    architecture = dict(mr.model_card(report))["architecture"]
    assert "zero mean and unit variance" in architecture and "SpecAugment" in architecture and "groups of 4 (40 ms)" in architecture


def test_figures_are_drawn_for_every_shape_of_input(zoo):
    reports, _ = mr.load_reports(zoo)
    alpha = reports[1]
    confusion = mr.confusion_matrix(alpha, "ravdess_6fold")
    counts = rp.confusion_figure(confusion, normalised=False)
    shares = rp.confusion_figure(confusion, normalised=True)
    assert np.array_equal(np.asarray(counts.data[0].z), confusion.counts)
    assert np.allclose(np.asarray(shares.data[0].z).sum(axis=1), 100)
    assert len(rp.history_figure(mr.training_curves(alpha, "ravdess_6fold")).data) == 3 * 4
    assert len(rp.history_figure(mr.training_curves(alpha, "final")).data) == 2  # accuracy panel only
    assert rp.history_figure([]).layout.annotations  # an explanation instead of an empty chart
    bars = rp.headline_figure(mr.headline_figures(reports))
    assert [t.name for t in bars.data] == ["beta ★", "alpha", "gamma", "chance"] and bars.data[0].marker.color == rp.ACCENT
    models, labels, f1 = mr.per_class_f1(reports, "ravdess_6fold")
    assert f1.shape == (3, 8) and rp.per_class_f1_figure(models, labels, f1).data
    folds = mr.fold_figures(reports, "ravdess_6fold")
    assert len(folds) == 9 and rp.fold_figure(folds, 1 / 8).data


def test_the_installed_models_all_appear():
    reports, problems = mr.load_reports(models_dir())
    installed = list_models()
    if not installed:
        pytest.skip("no models installed")
    assert not problems
    assert sorted(r.name for r in reports) == sorted(installed)
    assert sum(r.is_default for r in reports) == 1
    overview = mr.overview_table(reports)
    assert len(overview) == len(installed)
    # every installed model says what it was trained on (the zoo mixes seven-corpus and RAVDESS + TESS models)
    assert overview["trained on"].notna().all(), overview[["model", "trained on"]]
    for r in reports:
        for protocol in r.metrics:
            confusion = mr.confusion_matrix(r, protocol)
            if confusion is not None:
                assert confusion.counts.sum() == r.metrics[protocol]["variants"]["none"]["pooled"]["n"]


def test_trained_on_names_few_corpora_and_counts_many():
    def meta(*corpora):
        return {"training_data": {"per_dataset": {c: 10 for c in corpora}}}

    assert mr.trained_on(meta("ravdess", "tess")) == "RAVDESS + TESS"
    assert mr.trained_on(meta("ravdess", "mine")) == "RAVDESS + mine"  # a corpus we do not know keeps its name
    assert mr.trained_on(meta("ravdess", "tess", "ased", "emovo", "nemo", "turev", "urdu")) == "7 corpora"
    assert mr.trained_on({}) is None and mr.trained_on({"training_data": {}}) is None


def test_the_protocol_order_is_ser_evaluations():
    from ser.evaluation.evaluate import PROTOCOLS

    assert tuple(mr.PROTOCOLS) == tuple(PROTOCOLS)
    assert all(p.meaning and p.short_title for p in PROTOCOLS.values())


def test_model_card_says_when_probabilities_are_calibrated_for_new_voices(zoo):
    reports, _ = mr.load_reports(zoo)
    report = reports[1]
    assert "calibrated for voices from elsewhere" not in dict(mr.model_card(report))["limitations"]
    report.meta.setdefault("variants", {}).setdefault("plain", {})["new_voice_factor"] = 2.87
    report.metrics["loco"] = {"variants": {"none": {"mean": {"uar": {"mean": 0.44, "std": 0.05}}, "pooled": {"ece": 0.28},
                                                    "cross_corpus": {"factor": 2.87, "pooled": {"ece": 0.033}}}}}
    limits = dict(mr.model_card(report))["limitations"]
    assert "temperature × 2.87" in limits and "ECE there 0.033" in limits


def test_input_summary_says_when_the_level_is_evened_out():
    from ser.models.zoo import PRESETS

    plain, levelled = ({"spec": PRESETS[name].to_dict()} for name in ("whisper_layers", "whisper_layers_level"))
    assert mr.input_summary(plain, short=True) == "Whisper base layers"
    assert mr.input_summary(levelled, short=True) == "Whisper base layers, levelled"
    assert "peaks at 1.17" in mr.input_summary(levelled) and "peak" not in mr.input_summary(plain)
