"""ser.reports.explore on a generated corpus: tables, examples, the bounded sample, clip features and bad locations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ser import testing
from ser.data.corpora import Row
from ser.errors import CorpusError
from ser.reports import charts as rp
from ser.reports import explore

EMOTIONS = ("neutral", "happy", "angry")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return testing.write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), actors=4, emotions=EMOTIONS, clips=3)


@pytest.fixture(scope="module")
def rows(corpus) -> list[Row]:
    return explore.load_source(str(corpus)).rows


def test_tables_count_classes_speakers_and_genders(rows):
    counts = explore.class_counts(rows)
    assert list(counts.index) == list(EMOTIONS) and list(counts.columns) == ["ravdess"]
    assert counts.to_numpy().ravel().tolist() == [12, 12, 12]
    speakers = explore.speaker_table(rows)
    assert list(speakers["speaker"]) == ["ravdess_01", "ravdess_02", "ravdess_03", "ravdess_04"]
    assert list(speakers["gender"]) == ["male", "female", "male", "female"] and set(speakers["clips"]) == {9}
    table = explore.dataset_table(rows).iloc[0]
    assert (table["clips"], table["speakers"], table["female"], table["male"], table["emotions"]) == (36, 4, 2, 2, 3)
    assert table["clips per speaker"] == "9"


def test_examples_come_from_one_speaker_at_normal_intensity(rows):
    chosen = explore.examples(rows, "ravdess")
    assert list(chosen) == list(EMOTIONS)
    assert {r.speaker for r in chosen.values()} == {"ravdess_01"}
    assert all(r.intensity == "normal" for r in chosen.values())


def test_sample_is_bounded_spread_over_speakers_and_deterministic(rows):
    sample = explore.sample_rows(rows, per_emotion=4)
    assert len(sample) == 4 * len(EMOTIONS)
    for emotion in EMOTIONS:
        mine = [r for r in sample if r.emotion == emotion]
        assert len(mine) == 4 and len({r.speaker for r in mine}) == 4  # one per speaker before any speaker twice
    assert sample == explore.sample_rows(list(reversed(rows)), per_emotion=4)
    assert len(explore.sample_rows(rows, per_emotion=100)) == len(rows)
    assert explore.sample_rows(rows, per_emotion=0) == []


def test_clip_features_measure_the_voice():
    voice = testing.speech_like(2.0, f0=140.0, seed=3)
    features = explore.clip_features(voice)
    assert set(features) == set(explore.FEATURES)
    assert 120 < features["pitch_hz"] < 165
    assert features["duration_s"] == pytest.approx(2.0)
    assert 0 < features["voiced_pct"] <= 100 and features["voiced_rate"] > 0
    assert -30 < features["loudness_dbfs"] < 0 and 200 < features["centroid_hz"] < 4000
    higher = explore.clip_features(testing.speech_like(2.0, f0=260.0, seed=3))
    assert higher["pitch_hz"] > 1.6 * features["pitch_hz"]


def test_clip_features_of_silence_and_tiny_clips_are_nan_not_errors():
    silent = explore.clip_features(np.zeros(16000, np.float32))
    assert np.isnan(silent["pitch_hz"]) and silent["duration_s"] == 1.0
    tiny = explore.clip_features(np.zeros(100, np.float32))
    assert np.isnan(tiny["centroid_hz"])


def test_features_per_emotion_with_a_broken_file(rows, tmp_path):
    sample = explore.sample_rows(rows, per_emotion=2)
    broken = tmp_path / "03-01-01-01-01-01-09.wav"
    broken.write_bytes(b"RIFF not really")
    sample.append(Row(str(broken), "ravdess", "ravdess_09", "neutral", "male", "normal"))
    seen = []
    table, failed = explore.compute_features(sample, progress=lambda done, total: seen.append((done, total)))
    assert len(table) == 2 * len(EMOTIONS) and len(failed) == 1 and "03-01-01-01-01-01-09.wav" in failed[0]
    assert seen[-1] == (len(sample), len(sample))
    summary = explore.feature_summary(table)
    assert list(summary["emotion"]) == list(EMOTIONS) and set(summary["clips"]) == {2}
    assert summary["pitch_hz"].notna().all()
    angry, neutral = (summary.set_index("emotion").loc[e, "loudness_dbfs"] for e in ("angry", "neutral"))
    assert angry > neutral  # the synthetic corpus speaks angry louder
    fig = rp.feature_figure(table, "pitch_hz", "Median pitch", "Hz")
    assert [t.name for t in fig.data] == list(EMOTIONS)
    assert list(fig.layout.xaxis.tickvals) == list(EMOTIONS)  # every box labelled, none left for plotly to skip


def test_feature_panels_label_every_emotion_and_are_as_wide_as_their_emotions_need():
    import pandas as pd

    eight = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
    four = ("neutral", "happy", "sad", "angry")
    table = pd.DataFrame([{"dataset": d, "emotion": e, "speaker": f"{d}_1", "file": f"{e}.wav", "pitch_hz": 100.0 + i}
                          for d, es in (("ravdess", eight), ("urdu", four)) for i, e in enumerate(es)])
    fig = rp.feature_figure(table, "pitch_hz", "Median pitch", "Hz")
    assert list(fig.layout.xaxis.tickvals) == list(eight) and list(fig.layout.xaxis2.tickvals) == list(four)
    wide, narrow = (a.domain[1] - a.domain[0] for a in (fig.layout.xaxis, fig.layout.xaxis2))
    assert wide == pytest.approx(2 * narrow, rel=0.01)


def test_data_figures(rows):
    assert [t.name for t in rp.class_figure(explore.class_counts(rows)).data] == ["ravdess"]
    speakers = rp.speaker_figure(explore.speaker_table(rows))
    assert {t.name for t in speakers.data} == {"male", "female"}
    assert rp.feature_figure(explore.feature_table([], []), "pitch_hz", "Median pitch", "Hz").layout.annotations


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda tmp: "", "No corpus folder or manifest is set"),
        (lambda tmp: str(tmp / "missing"), "Nothing exists at"),
        (lambda tmp: str(testing.write_audio(tmp / "x.wav", testing.tone(0.5))), "not a manifest CSV"),
        (lambda tmp: str((tmp / "empty").mkdir() or tmp / "empty"), "No audio files"),
        (lambda tmp: str(testing.write_audio(tmp / "song.wav", testing.tone(0.5)).parent), "None of the 1 files"),
        (lambda tmp: (tmp / "m.csv").write_text("path,emotion\nx.wav,angry\n") and str(tmp / "m.csv"), "lacks column"),
        (lambda tmp: (tmp / "m.csv").write_text("path,dataset,speaker,emotion\nx.wav,ravdess,r1,angry\n") and str(tmp / "m.csv"),
         "file listed but missing"),
    ],
)
def test_bad_locations_raise_a_human_message(tmp_path, make, expected):
    with pytest.raises(CorpusError) as err:
        explore.load_source(make(tmp_path))
    assert expected in err.value.message


def test_default_source_prefers_the_environment(tmp_path):
    assert explore.default_source({"SER_DATA_DIR": str(tmp_path)}) == str(tmp_path)
    shared = explore.PROJECT_ROOT.parent / "shared" / "data" / "corpora"
    assert explore.default_source({}) == (str(shared) if shared.is_dir() else "")
    assert explore.resolve_source("models") == explore.PROJECT_ROOT / "models"


def test_data_figures_keep_legends_clear_of_titles_with_seven_corpora():
    import pandas as pd

    corpora = ["ravdess", "tess", "ased", "emovo", "turev", "urdu", "nemo"]
    counts = pd.DataFrame({c: [100 + i, 0, 50] for i, c in enumerate(corpora)}, index=["neutral", "calm", "happy"])
    classes = rp.class_figure(counts)
    assert classes.layout.legend.orientation == "v" and classes.layout.legend.x > 1  # beside the plot, not under the title
    assert all(t.text is None for t in classes.data)  # seven groups of count labels would collide
    speakers = pd.DataFrame({"dataset": corpora, "speaker": [f"{c}_1" for c in corpora], "gender": ["female"] * 7, "clips": [10] * 7})
    assert rp.speaker_figure(speakers).layout.legend.x > 1


def test_speaker_figure_has_a_dot_per_speaker_and_a_log_axis_when_counts_spread():
    import pandas as pd

    speakers = pd.DataFrame({"dataset": ["tess", "tess", "urdu", "urdu", "urdu"],
                             "speaker": ["tess_OAF", "tess_YAF", "urdu_SF1", "urdu_SM1", "urdu_SM2"],
                             "gender": ["female", "female", "female", "male", "male"], "clips": [1400, 1400, 2, 40, 80]})
    fig = rp.speaker_figure(speakers)
    assert {t.name: len(t.y) for t in fig.data} == {"female": 3, "male": 2}
    assert [list(t.customdata) for t in fig.data] == [["tess_OAF", "tess_YAF", "urdu_SF1"], ["urdu_SM1", "urdu_SM2"]]
    assert fig.layout.yaxis.type == "log"
    even = speakers.assign(clips=60)
    assert rp.speaker_figure(even).layout.yaxis.type != "log" and rp.speaker_figure(even).layout.yaxis.rangemode == "tozero"


def test_dataset_table_counts_speakers_of_mixed_gender_apart_only_when_there_are_some(rows):
    assert "mixed" not in explore.dataset_table(rows).columns
    first = rows[0].speaker
    other = next(r.gender for r in rows if r.gender and r.gender != rows[0].gender)
    mixed = [Row(r.path, r.dataset, r.speaker, r.emotion, other, r.intensity) if r.speaker == first and r is not rows[0] else r for r in rows]
    table = explore.dataset_table(mixed).iloc[0]
    assert table["mixed"] == 1 and table["female"] + table["male"] + table["mixed"] + table["gender unknown"] == table["speakers"]

