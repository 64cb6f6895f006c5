"""AppTest: the Explore data page on a generated RAVDESS-named corpus, and with bad locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ser import testing

from .conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/explore_data.py"
EMOTIONS = ("neutral", "happy", "angry")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return testing.write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), actors=4, emotions=EMOTIONS, clips=2)


def _page(monkeypatch, source: str) -> AppTest:
    monkeypatch.setenv("SER_DATA_DIR", source)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]


def test_a_generated_corpus_is_explored(monkeypatch, corpus):
    at = _page(monkeypatch, str(corpus))
    assert not at.error and at.title[0].value == "Explore the data"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clips"] == "24" and metrics["Speakers"] == "4" and metrics["Unusable files"] == "0"
    titles = _titles(at)
    assert "Clips per emotion" in titles and "Clips per speaker" in titles and "Median pitch" in titles
    examples = [t for t in titles if t.startswith("<b>")]
    assert sorted(t.split("</b>")[0].removeprefix("<b>") for t in examples) == sorted(EMOTIONS)  # drawn in a 2-column grid
    assert len(at.get("audio")) == len(EMOTIONS)
    summary = at.dataframe[-1].value
    assert list(summary["emotion"]) == list(EMOTIONS) and set(summary["clips"]) == {8}  # 4 speakers × 2 clips, under the 8 cap

    at.radio(key="example_view").set_value("Waveform").run()
    assert not at.exception and sum(t.startswith("<b>") for t in _titles(at)) == len(EMOTIONS)
    at.selectbox(key="feature").set_value("loudness_dbfs").run()
    assert not at.exception and "Loudness" in _titles(at)
    at.slider(key="per_emotion").set_value(4).run()
    assert not at.exception and set(at.dataframe[-1].value["clips"]) == {4}


@pytest.mark.parametrize("where,expected", [("nowhere", "Nothing exists at"), ("README.md", "not a manifest CSV"), ("ser", "No audio files")])
def test_a_bad_location_explains_itself(monkeypatch, corpus, where, expected):
    at = _page(monkeypatch, str(corpus))
    at.sidebar.text_input(key="data_source").set_value(where).run()
    assert not at.exception
    assert len(at.error) == 1 and expected in at.error[0].value
    assert any("SER_DATA_DIR" in i.value and "MANIFEST.csv" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_a_typed_path_is_shown_literally(monkeypatch, tmp_path):
    at = _page(monkeypatch, str(tmp_path / "none"))
    at.sidebar.text_input(key="data_source").set_value(str(tmp_path / "**no** $x$")).run()
    assert not at.exception and r"\*\*no\*\* \$x\$" in at.error[0].value  # Markdown-escaped, so shown as typed


def test_no_location_at_all(monkeypatch, tmp_path):
    at = _page(monkeypatch, str(tmp_path / "none"))
    at.sidebar.text_input(key="data_source").set_value("").run()
    assert not at.exception and not at.error
    assert any(i.value.startswith("**No corpus folder is set yet.**") and "SER_DATA_DIR" in i.value for i in at.info)


def test_a_fresh_clone_opens_calmly(monkeypatch, tmp_path):
    """No SER_DATA_DIR and no ../shared/data/corpora beside the project: the normal state of a fresh clone. The page
    says calmly how to point it at data; no red error."""
    from ser.reports import explore

    monkeypatch.setattr(explore, "PROJECT_ROOT", tmp_path / "clone")
    at = _page(monkeypatch, "")
    assert explore.default_source() == ""
    assert not at.error and not at.get("plotly_chart")
    info = " ".join(i.value for i in at.info)
    assert "No corpus folder is set yet" in info and "MANIFEST.csv" in info and "Analyze, Batch and Compare models work" in info
