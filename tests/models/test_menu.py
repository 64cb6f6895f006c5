"""The model picker's entries: default first, baselines labelled as such, figures from the stored metrics."""

from __future__ import annotations

import json

import pytest

from ser.evaluation.protocols import headline
from ser.models.artifacts import default_model_name, list_models, models_dir, read_json
from ser.models.menu import MenuEntry, model_menu


def _model(root, name: str, accuracy: float | None) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"name": name}))
    if accuracy is not None:
        stored = {"variants": {"none": {"mean": {"accuracy": {"mean": accuracy}}}}}
        (folder / "metrics.json").write_text(json.dumps({"ravdess_6fold": stored}))


def test_default_first_then_strong_models_then_baselines(tmp_path, monkeypatch):
    for name, accuracy in (("cnn", 0.28), ("head", 0.71), ("layers", 0.725), ("svm", 0.44), ("near", 0.60), ("new", None)):
        _model(tmp_path, name, accuracy)
    (tmp_path / "DEFAULT").write_text("layers\n")
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    menu = model_menu()
    assert [e.label for e in menu] == ["layers · 72 % ★ default", "head · 71 %", "near · 60 %",
                                       "svm · 44 % · baseline", "cnn · 28 % · baseline", "new · baseline"]


def test_without_a_default_figure_nothing_is_a_baseline(tmp_path, monkeypatch):
    _model(tmp_path, "a", None)
    _model(tmp_path, "b", 0.2)
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    assert model_menu() == [MenuEntry("a", None, default=True), MenuEntry("b", 0.2)]


def test_the_installed_models():
    if not list_models():
        pytest.skip("no models installed in models/")
    menu = model_menu()
    default = default_model_name()
    assert menu[0].name == default and menu[0].label.endswith("★ default")
    assert sorted(e.name for e in menu) == sorted(list_models())
    bar = headline(read_json(models_dir() / default / "metrics.json"), "accuracy")
    for entry in menu[1:]:
        assert entry.accuracy == headline(read_json(models_dir() / entry.name / "metrics.json"), "accuracy")
        assert entry.baseline == (entry.accuracy < bar - 0.15) and entry.label.endswith(" · baseline") == entry.baseline
    seen = [e.baseline for e in menu[1:]]
    assert seen == sorted(seen)  # every baseline after every other model


def test_the_summary_gives_the_new_corpus_figure_or_says_there_is_none():
    both = MenuEntry("layers", 0.725, default=True, new_corpus_uar=0.4355, new_corpus_chance=0.1825)
    assert both.summary == ("72\u00a0% right on RAVDESS actors it never heard. 44\u00a0% UAR (chance 18\u00a0%) on whole "
                            "corpora it never heard (other languages and studios): closer to what a new voice gets.")
    assert MenuEntry("head", 0.71).summary.endswith("Not tested on a corpus it never heard: expect less on your voice.")
    assert MenuEntry("new", None).summary.startswith("Not evaluated on RAVDESS actors it never heard.")


def test_the_menu_reads_the_leave_one_corpus_out_figure(tmp_path, monkeypatch):
    _model(tmp_path, "a", 0.7)
    stored = json.loads((tmp_path / "a" / "metrics.json").read_text())
    stored["loco"] = {"chance": 0.2, "variants": {"none": {"mean": {"uar": {"mean": 0.41}}}}}
    (tmp_path / "a" / "metrics.json").write_text(json.dumps(stored))
    _model(tmp_path, "b", 0.6)
    (tmp_path / "b" / "metrics.json").write_text("{not json")  # unreadable: no figures, still listed
    _model(tmp_path, "c", 0.5)
    (tmp_path / "c" / "metrics.json").write_text(json.dumps({"loco": [1, 2]}))  # damaged: no figure, no crash
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    a, b, c = model_menu()
    assert (a.name, a.new_corpus_uar, a.new_corpus_chance) == ("a", 0.41, 0.2)
    assert (b.name, b.accuracy, b.new_corpus_uar) == ("b", None, None)
    assert (c.name, c.new_corpus_uar, c.new_corpus_chance) == ("c", None, None)
