"""The model picker's entries: default first, baselines labelled as such, figures from the stored metrics."""

from __future__ import annotations

import json

import pytest

from ser.evaluation.protocols import figure, headline
from ser.models.artifacts import default_model_name, list_models, models_dir, read_json
from ser.models.menu import MenuEntry, model_menu


def _model(root, name: str, accuracy: float | None, loco: float | None = None) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"name": name}))
    stored = {}
    if accuracy is not None:
        stored["ravdess_6fold"] = {"variants": {"none": {"mean": {"accuracy": {"mean": accuracy}}}}}
    if loco is not None:
        stored["loco"] = {"chance": 0.1825, "variants": {"none": {"mean": {"uar": {"mean": loco}}}}}
    if stored:
        (folder / "metrics.json").write_text(json.dumps(stored))


def test_default_first_then_strong_models_then_baselines_by_the_new_corpus_figure(tmp_path, monkeypatch):
    for name, accuracy, loco in (("cnn", 0.28, 0.349), ("head", 0.71, 0.373), ("layers", 0.725, 0.436),
                                 ("svm", 0.44, 0.329), ("near", 0.60, 0.345), ("ravdess_only", 0.65, None), ("new", None, None)):
        _model(tmp_path, name, accuracy, loco)
    (tmp_path / "DEFAULT").write_text("layers\n")
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    menu = model_menu()
    # cnn (8.7 points below the default) is no baseline although its RAVDESS figure is far below; svm (10.7) is;
    # a model never tested on a held-out corpus is a baseline whatever its RAVDESS figure
    assert [e.label for e in menu] == ["layers · 44 % ★ default", "head · 37 %", "cnn · 35 %", "near · 34 %",
                                       "svm · 33 % · baseline", "ravdess_only · baseline", "new · baseline"]
    assert menu[5].accuracy == 0.65 and menu[5].new_corpus_uar is None


def test_without_a_default_figure_nothing_is_a_baseline(tmp_path, monkeypatch):
    _model(tmp_path, "a", 0.7)  # a RAVDESS figure only: no leave-one-corpus-out bar
    _model(tmp_path, "b", 0.2, 0.3)
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    assert model_menu() == [MenuEntry("a", 0.7, default=True), MenuEntry("b", 0.2, new_corpus_uar=0.3, new_corpus_chance=0.1825)]


def test_the_installed_models():
    if not list_models():
        pytest.skip("no models installed in models/")
    menu = model_menu()
    default = default_model_name()
    assert menu[0].name == default and menu[0].label.endswith("★ default")
    assert sorted(e.name for e in menu) == sorted(list_models())
    bar = figure(read_json(models_dir() / default / "metrics.json"), "loco", "none", "uar")
    for entry in menu[1:]:
        stored = read_json(models_dir() / entry.name / "metrics.json")
        assert entry.accuracy == headline(stored, "accuracy")
        assert entry.new_corpus_uar == figure(stored, "loco", "none", "uar")
        assert entry.baseline == (entry.new_corpus_uar is None or entry.new_corpus_uar < bar - 0.10)
        assert entry.label.endswith(" · baseline") == entry.baseline
    seen = [e.baseline for e in menu[1:]]
    assert seen == sorted(seen)  # every baseline after every other model


def test_the_summary_gives_the_new_corpus_figure_first_or_says_there_is_none():
    both = MenuEntry("layers", 0.725, default=True, new_corpus_uar=0.4355, new_corpus_chance=0.1825)
    assert both.summary == ("44\u00a0% UAR (chance 18\u00a0%) on whole corpora it never heard (other languages and "
                            "studios): what a new voice should expect. 72\u00a0% right on RAVDESS actors it never heard "
                            "(one studio).")
    assert MenuEntry("head", 0.71).summary.startswith("Not tested on a corpus it never heard: expect less on your voice.")
    assert MenuEntry("new", None).summary.endswith("Not evaluated on RAVDESS actors it never heard.")


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
