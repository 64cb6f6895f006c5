"""Model directories end to end on a generated corpus: train → artifacts → verify → predict (API and CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ser import testing
from ser.cli import main
from ser.evaluation.experiment import comparison_table, train
from ser.models.artifacts import ModelError, list_models, load_model, sha256
from ser.models.inputs import InputSpec
from ser.models.predictor import Predictor
from ser.models.training import ModelSpec

TINY_HEAD = {"hidden_units": 16, "attention_units": 8, "dense_units": 16, "pooled_norm": True}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    return testing.write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), actors=6, clips=4)


@pytest.fixture(scope="session")
def models(tmp_path_factory, corpus) -> Path:
    root = tmp_path_factory.mktemp("models")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SER_CACHE", str(cache))
        svm = ModelSpec(name="tiny_svm", architecture="svm", input=InputSpec(kind="stats"))
        train(svm, [corpus], root / "tiny_svm", protocols=["ravdess_6fold"], command="ser train svm (test)", log=lambda m: None)
        head = ModelSpec(name="tiny_head", architecture="whisper_head", input=InputSpec(kind="whisper"), params=TINY_HEAD,
                         epochs=15, patience=15, learning_rate=1e-2, batch_size=8)
        train(head, [corpus], root / "tiny_head", protocols=[], command="ser train whisper_head (test)", log=lambda m: None)
    (root / "DEFAULT").write_text("tiny_svm\n")
    return root


@pytest.fixture()
def installed(models, monkeypatch) -> Path:
    monkeypatch.setenv("SER_MODELS", str(models))
    return models


def test_artifacts_are_complete(models):
    folder = models / "tiny_svm"
    for name in ("model.pkl", "model_calibrated.pkl", "meta.json", "history.json", "metrics.json", "confusion.json"):
        assert (folder / name).is_file(), name
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["labels"] == ["neutral", "angry"]
    assert meta["files"]["model.pkl"] == sha256(folder / "model.pkl")
    assert meta["training_data"]["clips"] == 48 and meta["training_data"]["speakers"] == 6
    assert len(meta["training_data"]["rows_sha256"]) == 64 and meta["command"].startswith("ser train")
    assert {"numpy", "scikit-learn", "python"} <= set(meta["versions"])
    assert 0.05 < meta["peak_memory_gb"] < 64  # this test process: Python, numpy and scikit-learn at least
    metrics = json.loads((folder / "metrics.json").read_text())["ravdess_6fold"]
    assert len(metrics["folds"]) == 6 and set(metrics["variants"]) == {"none", "baseline_3", "baseline_10"}
    none = metrics["variants"]["none"]
    assert len(none["per_fold"]) == 6 and 0 <= none["mean"]["accuracy"]["mean"] <= 1
    assert none["pooled"]["accuracy"] >= 0.9  # the synthetic emotions are separable
    confusion = json.loads((folder / "confusion.json").read_text())["ravdess_6fold"]
    assert np.sum(confusion["variants"]["none"]["summed"]) == 48
    assert "final" in json.loads((folder / "history.json").read_text())


def test_keras_model_round_trips(models, corpus):
    loaded = load_model(models / "tiny_head")
    assert set(loaded.fitted) == {"plain", "calibrated"}
    predictor = Predictor(models / "tiny_head")
    clip = testing.speech_like(1.0, f0=230.0, level=0.8, seed=5)
    first, again = predictor.predict(clip), Predictor(models / "tiny_head").predict(clip)
    assert first == pytest.approx(again, abs=1e-6)
    assert sum(first.values()) == pytest.approx(1.0, abs=1e-5)


def test_predictor_batch_and_speaker_norm(installed):
    predictor = Predictor()  # the default model
    assert predictor.name == "tiny_svm"
    clips = [testing.speech_like(1.0, f0=f0, level=lv, seed=s) for s, (f0, lv) in enumerate([(120, 0.25), (230, 0.8)] * 3)]
    results = predictor.predict_many(clips)
    assert len(results) == 6 and all(abs(sum(r.values()) - 1) < 1e-6 for r in results)
    assert [max(r, key=r.get) for r in results[:2]] == ["neutral", "angry"]
    speaker_mean = predictor.speaker_mean(clips[:4])
    normed = predictor.predict_many(clips, speaker_mean)
    assert all(abs(sum(r.values()) - 1) < 1e-6 for r in normed)


def test_tampered_or_missing_files_are_refused(models, tmp_path):
    copy = tmp_path / "tiny_svm"
    shutil.copytree(models / "tiny_svm", copy)
    with open(copy / "model.pkl", "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ModelError, match="modified after training"):
        load_model(copy)
    (copy / "model.pkl").unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(copy)
    (copy / "meta.json").unlink()
    with pytest.raises(ModelError, match="meta.json is missing"):
        load_model(copy)


def test_unknown_model_name(installed):
    with pytest.raises(ModelError, match="No model called 'nope'"):
        Predictor("nope")


def test_cli_predict_contract(installed, tmp_path, capsys):
    good = testing.write_audio(tmp_path / "angry.wav", testing.speech_like(1.2, f0=230.0, level=0.8, seed=9))
    stereo = testing.write_audio(tmp_path / "calm.mp3", np.stack([testing.speech_like(1.2, 44100, f0=120.0, level=0.25, seed=8)] * 2, 1), 44100)
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    code = main(["predict", "--json", str(good), str(bad), str(stereo)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2 and len(rows) == 3
    assert set(rows[0]) >= {"file", "model", "emotion", "probabilities", "duration_s", "warnings"}
    assert rows[0]["model"] == "tiny_svm" and rows[0]["emotion"] == "angry"
    assert sum(rows[0]["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert set(rows[1]) == {"file", "error"}
    from ser.analysis.result import Prediction

    assert set(rows[0]) == set(Prediction("x").to_dict())  # the same record as the app's JSON and the Batch rows
    code = main(["predict", "--json", str(good), "--speaker-norm", str(good), str(stereo)])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert json.loads(captured.out.splitlines()[0])["speaker_normalised"] is True
    assert main(["predict", "--model", "nope", str(good)]) == 2
    assert "No model called 'nope'" in capsys.readouterr().err


def test_cli_models_lists_figures(installed, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "tiny_svm" in out and "tiny_head" in out and "* default model" in out
    assert list_models() == ["tiny_head", "tiny_svm"]
    table = comparison_table([installed / "tiny_svm"])
    assert table.splitlines()[2].startswith("| tiny_svm |")


def test_training_with_augmented_copies(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE", str(tmp_path / "cache"))
    spec = ModelSpec(name="aug_svm", architecture="svm", input=InputSpec(kind="stats"), augment_copies=2)
    out = train(spec, [corpus], tmp_path / "aug_svm", protocols=["ravdess_6fold"], log=lambda m: None)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["spec"]["augment_copies"] == 2
    cached = sorted(p.name for p in (tmp_path / "cache" / "features").iterdir())
    assert len(cached) == 3 and sum("-aug-" in name for name in cached) == 2
    copies = [sorted((tmp_path / "cache" / "features" / name).glob("*.npy")) for name in cached if "-aug-" in name]
    first = [np.load(p) for p in copies[0]]
    second = [np.load(p) for p in copies[1]]
    assert len(first) == 48 and any(not np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    accuracy = json.loads((out / "metrics.json").read_text())["ravdess_6fold"]["variants"]["none"]["pooled"]["accuracy"]
    assert accuracy >= 0.9


def test_evaluate_writes_the_table_between_the_readme_markers(installed, tmp_path, capsys):
    from ser.evaluation.experiment import TABLE_MARKERS, UNTRAINED_MARKERS

    readme = tmp_path / "README.md"
    readme.write_text(f"# Models\n\nintro\n\n{TABLE_MARKERS[0]}\n| old table |\n{TABLE_MARKERS[1]}\n\n- a finding\n"
                      f"{UNTRAINED_MARKERS[0]}\n- Not yet trained: stale\n{UNTRAINED_MARKERS[1]}\nend\n")
    assert main(["evaluate", "--table-only", "--write-readme", str(readme)]) == 0
    text = readme.read_text()
    table = comparison_table([installed / "tiny_head", installed / "tiny_svm"])
    assert f"{TABLE_MARKERS[0]}\n{table}\n{TABLE_MARKERS[1]}" in text
    assert "old table" not in text and "stale" not in text and "`cnn_bilstm_attention`" in text
    assert "whisper_head_8s" not in text  # an ablation's recipe is not a model waiting to be trained
    assert text.startswith("# Models\n\nintro\n\n") and text.endswith(f"{UNTRAINED_MARKERS[1]}\nend\n") and "- a finding\n" in text
    assert main(["evaluate", "--table-only", "--write-readme", str(readme)]) == 0
    assert readme.read_text() == text  # idempotent

    readme.write_text("no markers here\n")
    capsys.readouterr()
    assert main(["evaluate", "--table-only", "--write-readme", str(readme)]) == 2
    assert "has no '<!-- ser:table start" in capsys.readouterr().err
    assert readme.read_text() == "no markers here\n"


def test_shipped_models_readme_table_is_the_one_ser_evaluate_writes(monkeypatch):
    from ser.evaluation.experiment import TABLE_MARKERS

    from ..conftest import PROJECT_ROOT

    monkeypatch.setenv("SER_MODELS", str(PROJECT_ROOT / "models"))
    names = list_models()
    if not names:
        pytest.skip("no trained models in models/")
    text = (PROJECT_ROOT / "models" / "README.md").read_text()
    stored = text.split(TABLE_MARKERS[0] + "\n", 1)[1].split(TABLE_MARKERS[1], 1)[0].strip()
    assert stored == comparison_table([PROJECT_ROOT / "models" / n for n in names]), (
        "models/README.md is stale: run `ser evaluate --table-only --write-readme models/README.md`")


def test_new_voice_temperature_factor_is_shipped_once(models, tmp_path):
    from ser.evaluation.experiment import ship_new_voice_temperature

    copy = tmp_path / "tiny_svm"
    shutil.copytree(models / "tiny_svm", copy)
    before = {v: f.temperature for v, f in load_model(copy).fitted.items()}
    assert ship_new_voice_temperature(copy, {"ravdess_6fold": {}}) == {}  # no leave-one-corpus-out factor: unchanged
    metrics = {"loco": {"variants": {"none": {"cross_corpus": {"factor": 2.0}}, "baseline_10": {"cross_corpus": {"factor": 1.5}}}}}
    for _ in range(2):  # applying it again starts from the in-domain temperature, not from the scaled one
        assert ship_new_voice_temperature(copy, metrics) == {"plain": 2.0, "calibrated": 1.5}
    after = {v: f.temperature for v, f in load_model(copy).fitted.items()}
    assert after["plain"] == pytest.approx(2.0 * before["plain"])
    assert after["calibrated"] == pytest.approx(1.5 * before["calibrated"])
    meta = json.loads((copy / "meta.json").read_text())
    assert meta["variants"]["plain"]["temperature_in_domain"] == pytest.approx(before["plain"])
