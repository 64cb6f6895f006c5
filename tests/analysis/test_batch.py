"""Batch classification: uploads and zip archives → one row per file, errors per file, CSV."""

from __future__ import annotations

import csv
import io

import pytest

from ser import testing
from ser.analysis.batch import BatchItem, classify, expand, to_csv
from ser.models.predictor import Predictor


def test_expand_opens_zips_and_reports_what_it_skips(speech_wav):
    archive = testing.zip_bytes({"a/one.wav": speech_wav, "two.WAV": speech_wav, "notes.txt": b"hi", "__MACOSX/._one.wav": b"x",
                    "a/": b""})
    items, skipped = expand([("loose.flac", b"flac?"), ("set.zip", archive), ("broken.zip", b"PK nope")])
    assert [i.name for i in items] == ["loose.flac", "set.zip/a/one.wav", "set.zip/two.WAV"]
    reasons = {r.file: r.error for r in skipped}
    assert "not an audio file type" in reasons["set.zip/notes.txt"]
    assert "not a readable zip archive" in reasons["broken.zip"]
    assert not any("__MACOSX" in name for name in reasons)


def test_expand_limits_files_and_unpacked_size(speech_wav):
    archive = testing.zip_bytes({f"{i}.wav": speech_wav for i in range(5)})
    items, skipped = expand([("many.zip", archive)], max_files=3)
    assert len(items) == 3 and len(skipped) == 2 and all("more than 3 files" in r.error for r in skipped)
    items, skipped = expand([("big.zip", archive)], max_unpacked_bytes=2 * len(speech_wav) + 1)
    assert len(items) == 2 and all("unpacks to more than" in r.error for r in skipped)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor()  # the shipped default model


def test_classify_gives_a_row_per_file_and_goes_on_after_errors(predictor, speech_wav, tmp_path):
    mp3 = testing.write_audio(tmp_path / "x.mp3", testing.speech_like(2.0, 44100, seed=3), 44100).read_bytes()
    items = [BatchItem("good.wav", speech_wav), BatchItem("text.wav", b"not audio at all" * 20), BatchItem("x.mp3", mp3),
             BatchItem("blip.wav", testing.wav_bytes(testing.speech_like(0.1)))]
    seen = []
    rows = classify(items, predictor, on_progress=lambda done, total, name: seen.append((done, total, name)))
    assert [r.file for r in rows] == ["good.wav", "text.wav", "x.mp3", "blip.wav"]
    assert seen[-1] == (4, 4, "blip.wav") and len(seen) == 4
    good, text, mp3_row, blip = rows
    assert good.error is None and sum(good.probabilities.values()) == pytest.approx(1.0) and good.duration_s == 3.0
    assert mp3_row.error is None and mp3_row.emotion in predictor.labels
    assert "not an audio file" in text.error and "at least 0.5 s" in blip.error
    assert text.emotion is None

    table = list(csv.DictReader(io.StringIO(to_csv(rows, predictor.labels))))
    assert [t["file"] for t in table] == ["good.wav", "text.wav", "x.mp3", "blip.wav"]
    assert table[0]["emotion"] == good.emotion and table[0]["error"] == ""
    assert sum(float(table[0][label]) for label in predictor.labels) == pytest.approx(1.0, abs=1e-3)
    assert table[1]["emotion"] == "" and table[1]["error"]


def test_long_files_are_analysed_as_on_analyze(predictor):
    """One file, one answer: a long file gets the Analyze page's timeline, and its emotion is the segments'
    length-weighted mean (``analyze_clip`` with ``timeline=True``), not the whole file classified as one clip."""
    from ser.analysis.result import analyze_clip
    from ser.analysis.timeline import overall, summarize
    from ser.audio.clip import load_clip

    long_wav = testing.wav_bytes(testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0), gap=0.8))
    short_wav = testing.wav_bytes(testing.speech_like(3.0, seed=5))
    long_row, short_row = classify([BatchItem("long.wav", long_wav), BatchItem("short.wav", short_wav)], predictor)
    on_analyze = analyze_clip(load_clip(long_wav, name="long.wav"), predictor, file="long.wav", timeline=True)
    assert len(long_row.segments) == len(on_analyze.segments) == 4
    assert long_row.probabilities == pytest.approx(on_analyze.probabilities)
    assert long_row.probabilities == pytest.approx(overall(long_row.segments))
    assert long_row.emotion == on_analyze.emotion and not short_row.segments
    whole = predictor.predict(load_clip(long_wav).samples)  # what Batch used to say
    assert long_row.probabilities != pytest.approx(whole, abs=1e-3)

    table = list(csv.DictReader(io.StringIO(to_csv([long_row, short_row], predictor.labels))))
    assert table[0]["segments"] == "4" and table[0]["timeline"] == summarize(long_row.segments)
    assert table[1]["segments"] == "0" and table[1]["timeline"] == ""
    single = classify([BatchItem("long.wav", long_wav)], predictor, timeline=False)[0]
    assert not single.segments and single.probabilities == pytest.approx(whole)


def test_items_that_only_claim_to_be_audio(speech_wav):
    assert BatchItem("a.wav", speech_wav).looks_like_audio
    assert not BatchItem("notes.wav", b"just some text, named like a recording").looks_like_audio
