"""Choosing the default model: best leave-one-corpus-out mean UAR, and a tie keeps the current one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ser.errors import CorpusError
from ser.evaluation.experiment import CHOICE_MARGIN, choose_default


def _model(root: Path, name: str, **uar: float) -> Path:
    """A models/<name> folder whose metrics.json holds a fold-mean UAR per protocol."""
    folder = root / name
    folder.mkdir()
    metrics = {protocol: {"variants": {"none": {"mean": {"uar": {"mean": value}}}}} for protocol, value in uar.items()}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def _default(root: Path) -> str:
    return (root / "DEFAULT").read_text().strip()


def test_the_best_new_voice_figure_wins_over_the_best_ravdess_figure(tmp_path):
    folders = [_model(tmp_path, "studio", loco=0.30, ravdess_6fold=0.80), _model(tmp_path, "wide", loco=0.43, ravdess_6fold=0.70)]
    best, uar, protocol = choose_default(folders)
    assert (best.name, uar, protocol) == ("wide", 0.43, "loco")
    assert _default(tmp_path) == "wide"


def test_a_tie_keeps_the_current_default_and_a_clear_win_replaces_it(tmp_path):
    folders = [_model(tmp_path, "current", loco=0.4355), _model(tmp_path, "rival", loco=0.4357)]
    (tmp_path / "DEFAULT").write_text("current\n")
    assert choose_default(folders)[0].name == "current"
    assert _default(tmp_path) == "current"
    assert choose_default(folders, margin=0.0)[0].name == "rival"
    (tmp_path / "DEFAULT").write_text("current\n")
    far = _model(tmp_path, "far", loco=0.4355 + CHOICE_MARGIN + 0.001)
    assert choose_default([*folders, far])[0].name == "far"
    assert _default(tmp_path) == "far"


def test_a_default_without_figures_does_not_hold_its_place(tmp_path):
    folders = [_model(tmp_path, "old", ravdess_6fold=0.9), _model(tmp_path, "new", loco=0.40)]
    (tmp_path / "DEFAULT").write_text("old\n")
    assert choose_default(folders)[0].name == "new"


def test_without_figures_there_is_nothing_to_choose(tmp_path):
    with pytest.raises(CorpusError, match="no model has"):
        choose_default([_model(tmp_path, "empty")])
