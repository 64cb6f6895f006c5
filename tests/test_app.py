"""AppTest: every page renders without exceptions; the Analyze page handles good and bad input."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ser import testing

from .conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_analyze_page_renders_empty():
    at = _app()
    assert at.title[0].value.startswith("Analyze")
    assert len(at.main.audio_input) == 1 and len(at.sidebar.audio_input) == 1  # recording, speaker normalisation
    assert not at.error


def test_recording_is_analysed(speech_wav):
    at = _app()
    at.audio_input[0].set_value(("clip.wav", speech_wav, "audio/wav")).run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    assert labels["Duration"] == "3.00 s"
    assert any("16 kHz mono → analysed" in c.value for c in at.caption)
    assert at.success  # no quality warnings for clean audio
    assert labels["Emotion"].rstrip("?").lower() in {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"}
    bars = [json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")]
    probabilities = [b for b in bars if b.get("type") == "bar"][0]
    assert len(probabilities["x"]) == 8 and sum(probabilities["x"]) == pytest.approx(100.0, abs=0.01)


def test_upload_of_another_format(tmp_path):
    stereo = np.stack([testing.speech_like(2.0, 44100, seed=2)] * 2, axis=1)
    data = testing.write_audio(tmp_path / "song.mp3", stereo, 44100).read_bytes()
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("song.mp3", data, "audio/mpeg").run()
    assert not at.exception and not at.error
    assert any("MP3" in c.value and "44.1 kHz stereo" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("notes.wav", b"this is text, not audio" * 10, "not an audio file"),
        ("blip.wav", testing.wav_bytes(testing.speech_like(0.1)), "at least 0.5 s"),
        ("quiet.wav", testing.wav_bytes(np.zeros(32000, np.float32)), "silent"),
    ],
)
def test_bad_input_shows_a_message(name, data, expected):
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload(name, data, "audio/wav").run()
    assert not at.exception
    assert len(at.error) == 1 and expected in at.error[0].value


def test_clipped_recording_warns(speech):
    at = _app()
    loud = testing.wav_bytes(np.clip(speech * 8, -1, 1))
    at.audio_input[0].set_value(("loud.wav", loud, "audio/wav")).run()
    assert not at.exception
    assert any("Clipping" in w.value for w in at.warning)


def test_quality_advice_fits_the_source(speech):
    """A quiet upload is not told to move closer to the microphone; a quiet recording is."""
    quiet = testing.wav_bytes(speech * 0.01)
    at = _app()
    at.audio_input[0].set_value(("clip.wav", quiet, "audio/wav")).run()
    assert not at.exception and any("Very quiet" in w.value and "move closer to the microphone" in w.value for w in at.warning)
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("quiet.wav", quiet, "audio/wav").run()
    assert not at.exception
    quiet_warnings = [w.value for w in at.warning if "Very quiet" in w.value]
    assert quiet_warnings and all("move closer" not in w and "the file was recorded" in w for w in quiet_warnings)


def _long_recording() -> bytes:
    return testing.wav_bytes(testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0), gap=0.8))


def test_long_recording_gets_a_timeline_summary_and_downloads():
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("meeting.wav", _long_recording(), "audio/wav").run()
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader][:1] == ["Emotion timeline"]
    labels = {m.label: m.value for m in at.metric}
    assert labels["Duration"] == "15.00 s" and "Overall emotion" in labels
    assert any(m.value.startswith(("Mostly", "Mixed")) for m in at.markdown)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    timeline = [f for f in figures if f["layout"].get("barmode") == "stack"][0]
    *emotions, layer = timeline["data"]
    assert len(emotions) == 8 and layer["name"] == "segment"  # one stacked trace per emotion, the clickable layer on top
    per_segment = np.sum([trace["y"] for trace in emotions], axis=0)
    assert len(per_segment) == 4 and np.allclose(per_segment, 100.0, atol=0.01)
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["Download JSON", "Download CSV"]


def test_self_normalisation_toggle_on_long_audio():
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("meeting.wav", _long_recording(), "audio/wav").run()
    toggle = [t for t in at.toggle if t.label.startswith("Normalise to this speaker")][0]
    toggle.set_value(True).run()
    assert not at.exception and not at.error
    assert any("Normalised to this recording's speaker" in c.value for c in at.caption)


def test_transcript_of_spoken_words():
    spoken = testing.spoken("Good morning. I am very happy to see you all here today.")
    if spoken is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")
    at = _app()
    at.audio_input[0].set_value(("clip.wav", testing.wav_bytes(spoken), "audio/wav")).run()
    assert not at.exception and not at.error
    assert "Transcript" in [s.value for s in at.subheader]
    said = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert said and "morning" in said[0].lower()


def test_speaker_norm_recording_is_used_and_can_be_forgotten(speech_wav):
    at = _app()
    baseline = testing.wav_bytes(testing.speech_with_pauses((5.0, 5.0, 5.0, 5.0), gap=0.5, seed=7))
    at.sidebar.audio_input[0].set_value(("baseline.wav", baseline, "audio/wav")).run()
    assert not at.exception
    assert any("Normalised to your voice" in s.value for s in at.sidebar.success)
    at.audio_input[0].set_value(("clip.wav", speech_wav, "audio/wav")).run()
    assert not at.exception and not at.error
    assert any("Normalised to your voice (speaker normalisation)" in c.value for c in at.caption)
    [b for b in at.sidebar.button if b.label == "Forget this recording"][0].click().run()
    assert not at.exception
    assert not any("Normalised to your voice" in c.value for c in at.caption)


def test_too_short_speaker_norm_recording_is_refused():
    at = _app()
    at.sidebar.audio_input[0].set_value(("short.wav", testing.wav_bytes(testing.speech_like(2.0)), "audio/wav")).run()
    assert not at.exception
    assert any("record at least 20 s" in w.value for w in at.sidebar.warning)


def test_hands_free_recording_is_analysed(speech):
    stereo_44k = testing.wav_bytes(np.stack([testing.speech_like(3.0, 44100, seed=1)] * 2, axis=1), 44100)
    at = _app()
    at.radio[0].set_value("Hands-free").run()
    assert not at.exception
    at.session_state["hands_free"] = {"wav": base64.b64encode(stereo_44k).decode(), "take": 1}  # what the component sends
    at.run()
    assert not at.exception and not at.error
    assert any("44.1 kHz stereo → analysed" in c.value for c in at.caption)
    assert "Emotion" in {m.label for m in at.metric}
    at.session_state["hands_free"] = {"error": "The browser gave no microphone (NotAllowedError)."}
    at.run()
    assert not at.exception and any("gave no microphone" in w.value for w in at.warning)
    assert "Emotion" not in {m.label for m in at.metric}


def test_batch_page_classifies_files_and_zips(speech_wav):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("take1.wav", speech_wav)
        archive.writestr("readme.txt", b"hello")
    at = _app()
    at.switch_page("pages/batch.py").run()
    assert not at.exception and at.title[0].value == "Batch"
    at.main.file_uploader[0].set_value([("a.wav", speech_wav, "audio/wav"),
                                        ("set.zip", buffer.getvalue(), "application/zip")]).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Classified"] == "2" and metrics["Could not be used"] == "1"
    table = at.dataframe[0].value
    assert list(table["file"]) == ["a.wav", "set.zip/take1.wav", "set.zip/readme.txt"]
    assert [d.proto.label for d in at.get("download_button")] == ["Download CSV"]


def test_batch_page_analyses_long_files_as_analyze_does_and_counts_only_audio():
    """A long file gets the timeline (its emotion the segments' mean, as on Analyze); a text file named .wav and a
    zip's text file are not counted as audio; a failed row shows "–" (the table's placeholder) and its problem."""
    from ser.analysis.timeline import summarize

    archive = testing.zip_bytes({"readme.txt": b"hello"})
    notes = b"This is a text file that only has an audio name; it holds no sound at all, so it cannot be used."
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("meeting.wav", _long_recording(), "audio/wav").run()
    analyze = {m.label: m.value for m in at.metric}["Overall emotion"]
    at.switch_page("pages/batch.py").run()
    at.main.file_uploader[0].set_value([("meeting.wav", _long_recording(), "audio/wav"), ("notes.wav", notes, "audio/wav"),
                                        ("set.zip", archive, "application/zip")]).run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("1 audio file to classify · 2 other files listed below") for c in at.caption)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Classified"].value == "1" and metrics["Could not be used"].value == "2"
    table = at.dataframe[0]
    assert table.proto.placeholder == "–"
    rows = table.value.set_index("file")
    unsure = rows.loc["meeting.wav", "emotion"].endswith("?")  # an unsure top emotion is said as such in the summary too
    assert metrics["Most common emotion"].proto.delta == "1 of 1 file" + (" · 1 unsure" if unsure else "")
    assert rows.loc["meeting.wav", "segments"] == 4 and rows.loc["meeting.wav", "emotion"].capitalize() == analyze
    assert rows.loc["notes.wav"].isna()[["emotion", "confidence", "segments"]].all()  # shown as "–"
    assert rows.loc["notes.wav", "note"].startswith("Is not an audio file") and "not an audio file type" in rows.loc["set.zip/readme.txt", "note"]
    assert "Emotion timelines of long files" in [h.value for h in at.subheader]
    summary = [m.value for m in at.markdown if m.value.startswith("**meeting.wav** (15.0 s, 4 speech segments): ")]
    assert summary and summary[0].endswith(summarize(_batch_segments(at)))


def _batch_segments(at: AppTest):
    return at.session_state["batch_rows"][0].segments


def test_example_clips_of_the_demo_speakers(tmp_path, monkeypatch):
    """With a corpora folder (here a generated one with actors 13 and 14), Analyze offers its demo
    speakers' clips, says the true emotion and whether the model in use heard that speaker."""
    testing.write_synthetic_corpus(tmp_path, actors=14, emotions=("neutral", "angry"), clips=1, seconds=1.5)
    monkeypatch.setenv("SER_DATA_DIR", str(tmp_path))
    at = _app()
    assert "Example" in at.radio[0].options
    at.radio[0].set_value("Example").run()
    box = [s for s in at.selectbox if s.label == "Example clip"][0]
    assert len(box.options) == 4  # 2 demo actors × 2 emotions
    box.select_index(len(box.options) - 1).run()
    assert not at.exception and not at.error
    caption = " ".join(c.value for c in at.caption)
    assert "True emotion: **angry**" in caption
    held_out = "not in the training data" in caption
    from ser.models.artifacts import default_model_name, models_dir, read_json

    meta = read_json(models_dir() / default_model_name() / "meta.json")
    assert held_out == ("ravdess_14" in meta["spec"].get("holdout_speakers", []))
    assert {m.label for m in at.metric} >= {"Duration", "Emotion"}


def test_no_example_input_without_a_corpora_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_DATA_DIR", str(tmp_path / "nothing here"))
    at = _app()
    assert "Example" not in at.radio[0].options


def test_model_picker_labels_baselines():
    """Default first and marked; weak baselines last and called baselines (figures from the stored metrics)."""
    from ser.models.menu import model_menu

    at = _app()
    picker = at.sidebar.selectbox[0]
    assert picker.label == "Emotion model"
    shown = list(picker.options)  # as the user reads them
    assert shown == [entry.label for entry in model_menu()] and shown[0].endswith("★ default")
    weakest = [label for label in shown if label.startswith("cnn_lstm")]  # 26 % on held-out corpora, the default 44 %
    assert weakest and all(label.endswith(" · baseline") for label in weakest)
    # under the picker, the chosen model's figure on corpora it never heard (the default has one)
    summary = model_menu()[0].summary
    assert "corpora it never heard" in summary and summary in [c.value for c in at.sidebar.caption]


def test_caption_says_the_probabilities_are_calibrated_for_new_voices():
    at = _app()
    at.radio[0].set_value("Upload").run()
    at.file_uploader[0].upload("voice.wav", testing.wav_bytes(testing.speech_like(3.0)), "audio/wav").run()
    assert not at.exception
    default = (PROJECT_ROOT / "models" / "DEFAULT").read_text().strip()
    shipped = "new_voice_factor" in json.loads((PROJECT_ROOT / "models" / default / "meta.json").read_text())["variants"]["plain"]
    assert shipped  # the shipped default is calibrated for voices from elsewhere
    captions = " ".join(c.value for c in at.caption)
    assert ("corpora the model never heard" in captions) == shipped
