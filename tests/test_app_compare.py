"""AppTest: the Compare models page with the installed models, a partial zoo and no models at all."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ser.models.artifacts import list_models

from .conftest import PROJECT_ROOT
from .reports.test_model_report import write_model

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/compare_models.py"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _tab(at: AppTest, name: str) -> AppTest:
    """Open a tab: only the open tab runs (``st.tabs(..., on_change="rerun")``), as when a user clicks it."""
    at.session_state["compare_tab"] = name
    at.run()
    assert not at.exception
    return at


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _matrices(at: AppTest) -> list[dict]:
    return [c for c in _charts(at) if c["data"][0].get("type") == "heatmap" and "clips" in c["layout"]["title"]["text"]]


def test_installed_models_are_compared():
    if not list_models():
        pytest.skip("no models installed in models/")
    at = _page()
    assert at.title[0].value == "Compare models" and not at.error
    tables = at.dataframe
    assert len(tables) == 3  # overview, one protocol in detail, calibration
    overview = tables[0].value
    assert sorted(m.rstrip(" ★") for m in overview["model"]) == sorted(list_models())
    assert sum(m.endswith("★") for m in overview["model"]) == 1
    assert not _matrices(at) and len(at.expander) == 1  # only the open tab runs: no matrices, no model cards yet
    assert len(_tab(at, "Model cards").expander) >= len(list_models()) + 1  # protocols + one card per model

    matrices = _matrices(_tab(at, "Confusion matrices"))
    assert len(matrices) == 2 and "all folds summed" in matrices[0]["layout"]["title"]["text"]
    shares = np.array(matrices[0]["data"][0]["z"], dtype=float)
    assert np.allclose(shares.sum(axis=1), 100)

    at.toggle(key="cm_normalised").set_value(False).run()
    assert not at.exception
    counts = np.array(_matrices(at)[0]["data"][0]["z"])
    assert counts.dtype.kind == "i" and counts.sum() > 0 and "% of row" not in json.dumps(_matrices(at)[0]["layout"])

    at.selectbox(key="cm_fold").set_value(at.selectbox(key="cm_fold").options[1]).run()
    assert not at.exception and "fold 1" in _matrices(at)[0]["layout"]["title"]["text"]
    for protocol in at.selectbox(key="cm_protocol").options[1:]:
        at.selectbox(key="cm_protocol").set_value(protocol).run()
        assert not at.exception and not at.error


def test_training_curves_of_every_installed_model():
    if not list_models():
        pytest.skip("no models installed in models/")
    at = _tab(_page(), "Training curves")
    at.radio(key="curve_variant").set_value("calibrated").run()
    at.selectbox(key="curve_fold").set_value(at.selectbox(key="curve_fold").options[1]).run()
    assert not at.exception and not at.error
    at.selectbox(key="curve_protocol").set_value("final").run()
    assert not at.exception and not at.error
    for option in at.selectbox(key="curve_model").options[1:]:
        at.selectbox(key="curve_model").set_value(option).run()
        assert not at.exception and not at.error


def test_a_partial_zoo_shows_what_is_there(tmp_path, monkeypatch):
    write_model(tmp_path, "alpha")
    write_model(tmp_path, "beta", protocols=("ravdess_6fold",), architecture="svm")
    write_model(tmp_path, "gamma", files=("metrics",))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{")
    (tmp_path / "DEFAULT").write_text("alpha\n")
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    at = _page()
    assert any("broken" in w.value for w in at.warning)
    assert list(at.dataframe[0].value["model"]) == ["alpha ★", "beta", "gamma"]
    assert any("gamma" in w.value and "confusion.json is missing" in w.value for w in _tab(at, "Model cards").warning)
    _tab(at, "Confusion matrices").selectbox(key="cm_protocol").set_value("tess_to_ravdess").run()
    assert not at.exception
    assert at.multiselect(key="cm_models").options == ["alpha ★"]  # only alpha stored that matrix
    _tab(at, "Overview").selectbox(key="detail_protocol").set_value("tess_to_ravdess").run()
    assert not at.exception and len(at.dataframe[1].value) == 2  # alpha and gamma have its metrics
    _tab(at, "Training curves").selectbox(key="curve_model").set_value("gamma").run()
    assert not at.exception and any("stored no training history" in i.value for i in at.info)


def test_no_models_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_MODELS", str(tmp_path))
    at = _page()
    assert any("No trained model" in i.value for i in at.info) and not at.error


def test_leave_one_corpus_out_detail_and_confusion_per_held_out_corpus():
    """The shipped whisper_layers model has leave-one-corpus-out figures: the detail names each held-out
    corpus, and a fold's confusion matrix is over that corpus's own classes."""
    from ser.models.artifacts import models_dir, read_json

    if "loco" not in read_json(models_dir() / "whisper_layers" / "metrics.json"):
        pytest.skip("no model with leave-one-corpus-out figures installed")
    at = _page()
    at.selectbox(key="detail_protocol").set_value("loco").run()
    assert not at.exception and not at.error
    assert any("each corpus's own classes" in c.value or "averaged over the corpora" in c.value for c in at.caption)
    spread = [c for c in _charts(at) if any("URDU (Urdu)" in str(t.get("x", "")) + str(t.get("customdata", "")) +
                                            str(t.get("text", "")) + str(t.get("hovertext", "")) for t in c["data"])]
    assert spread, "the per-fold chart names the held-out corpora"
    _tab(at, "Confusion matrices").selectbox(key="cm_protocol").set_value("loco").run()
    folds = [s for s in at.selectbox if s.key == "cm_fold"]
    assert folds and any("held-out corpus URDU" in o for o in folds[0].options)
    folds[0].select_index([i for i, o in enumerate(folds[0].options) if "URDU" in o][0]).run()
    assert not at.exception
    sizes = {len(m["data"][0]["z"]) for m in _matrices(at)}
    assert 4 in sizes  # URDU: neutral, happy, sad, angry


def test_overview_fits_1400_px_and_more_columns_come_on_demand():
    """Compact tables first (the rest from the column picker); the headline legend beside the chart, not under its title;
    the spread over folds one row per model with its chance label above the plot, not on a bar."""
    if not list_models():
        pytest.skip("no models installed in models/")
    from ser.reports import model_report as mr

    at = _page()
    overview, detail, calibration = at.dataframe
    assert list(overview.proto.column_order) == [c for c in overview.value.columns if c in mr.OVERVIEW_COMPACT]
    assert len(overview.proto.column_order) <= 8 < len(overview.value.columns)
    assert list(detail.proto.column_order) == [c for c in detail.value.columns if c in mr.PROTOCOL_COMPACT]
    assert not any(c.startswith("F1 ") for c in detail.proto.column_order)  # per emotion: the heatmap beside it
    assert len(calibration.proto.column_order) <= 8
    # what the app's probabilities use: the temperature times the new-voice factor, and the ECE it gives
    assert {"temperature", "new-voice factor", "ECE, new-voice T (pooled)"} <= set(calibration.proto.column_order)
    at.multiselect(key="overview_columns").set_value(list(overview.value.columns)).run()
    assert not at.exception and list(at.dataframe[0].proto.column_order) == list(overview.value.columns)

    headline, folds, _ = _charts(at)
    legend = headline["layout"]["legend"]
    assert legend["orientation"] == "v" and legend["x"] >= 1  # to the right of the bars, never over the title
    assert all("text" not in t for t in headline["data"]) or len(list_models()) <= 6  # nine labels a group collide
    assert all(t.proto.placeholder == "–" for t in at.dataframe)  # a figure not stored shows "–", not "None"
    bars = [t for t in folds["data"] if t["type"] == "bar"][0]
    assert bars["orientation"] == "h" and len(bars["y"]) == len(list_models())
    chance = [a for a in folds["layout"]["annotations"] if a["text"].startswith("chance")][0]
    assert chance["yref"] == "paper" and chance["y"] == 1 and chance["yanchor"] == "bottom"  # above the plot area
