"""Emotion timeline: windows from VAD regions, classification per window, plain-language summary, export."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from ser import testing
from ser.analysis.result import Prediction
from ser.analysis.timeline import MAX_WINDOW, TimelineSegment, emotion_timeline, overall, speech_windows, summarize, with_text
from ser.analysis.transcribe import Transcript, TranscriptSegment, Word
from ser.audio.clip import load_clip

SR = 16_000
LABELS = ("neutral", "happy", "sad", "angry")


class FakePredictor:
    """Duck-typed Predictor: the 'feature' is the clip's RMS; louder → angrier. Records speaker means."""

    labels = LABELS
    supports_speaker_norm = True

    def __init__(self) -> None:
        self.speaker_means: list = []

    def features(self, samples: np.ndarray) -> np.ndarray:
        return np.array([float(np.sqrt(np.mean(samples**2)))], np.float32)

    def predict_features(self, features, speaker_mean=None):
        self.speaker_means.append(speaker_mean)
        out = []
        for f in features:
            level = float(f[0] - (speaker_mean[0] if speaker_mean is not None else 0.0))
            logits = np.array([0.0, 0.0, -20 * level, 20 * level])
            p = np.exp(logits - logits.max())
            out.append(dict(zip(LABELS, (p / p.sum()).tolist(), strict=True)))
        return out


def _s(seconds: float) -> int:
    return int(seconds * SR)


def test_windows_merge_close_regions_split_long_and_widen_short():
    speech = [(_s(0.5), _s(1.0)), (_s(1.2), _s(2.0)), (_s(4.0), _s(18.0)), (_s(19.9), _s(20.0))]
    windows = speech_windows(speech, SR, _s(20.0))
    assert windows[0] == (0.5, 2.0)  # 0.2 s gap merged
    long = [w for w in windows if 4.0 <= w[0] < 18.0]
    assert len(long) == 3 and all(b - a <= MAX_WINDOW + 1e-6 for a, b in long)
    assert long[0][0] == 4.0 and long[-1][1] == 18.0
    assert windows[-1] == (19.0, 20.0)  # 0.1 s region widened to 1 s inside the recording
    assert speech_windows([], SR, _s(5)) == []


def test_timeline_on_a_recording_with_pauses():
    y = testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0), gap=0.8)
    y[_s(4.6):_s(7.2)] *= 3  # the second phrase is louder → "angry" for the fake model
    clip = load_clip(testing.wav_bytes(y))
    segments, normalised = emotion_timeline(clip.samples, SR, clip.speech, FakePredictor())
    assert not normalised and len(segments) == 4
    assert [s.emotion for s in segments].count("angry") >= 1
    assert segments[1].emotion == "angry"
    for s in segments:
        assert sum(s.probabilities.values()) == pytest.approx(1.0)
    total = overall(segments)
    assert sum(total.values()) == pytest.approx(1.0) and set(total) == set(LABELS)


def test_self_normalisation_uses_the_recordings_own_mean():
    y = testing.speech_with_pauses((2.0, 2.0, 2.0), gap=0.8)
    clip = load_clip(testing.wav_bytes(y))
    plain, normalised = emotion_timeline(clip.samples, SR, clip.speech, FakePredictor())
    assert not normalised and all(s.emotion == "angry" and s.confidence > 0.5 for s in plain)
    fake = FakePredictor()
    segments, normalised = emotion_timeline(clip.samples, SR, clip.speech, fake, self_normalise=True)
    assert normalised and fake.speaker_means[-1] is not None
    # Same loudness everywhere: relative to the speaker's own mean, no phrase stands out.
    assert all(s.confidence < 0.3 for s in segments)
    two = load_clip(testing.wav_bytes(testing.speech_with_pauses((2.0, 2.0), gap=0.8)))
    _, normalised = emotion_timeline(two.samples, SR, two.speech, FakePredictor(), self_normalise=True)
    assert not normalised  # fewer than 3 windows: not enough of the speaker to normalise


def _segment(start, end, emotion, p=0.9, text=""):
    rest = (1 - p) / (len(LABELS) - 1)
    return TimelineSegment(start, end, {k: (p if k == emotion else rest) for k in LABELS}, text)


def test_summary_in_plain_words():
    segments = [_segment(0, 3, "neutral"), _segment(3, 6, "neutral"), _segment(6, 8, "angry"), _segment(8, 9, "sad", p=0.3)]
    text = summarize(segments)
    assert text.startswith("Mostly neutral (2 of 4 segments, 67 % of the speech time).")
    assert "angry at 6.0–8.0 s" in text
    assert "sad" not in text  # the 8-9 s segment is unsure (30 %): never stated as sad
    assert "unsure about 1 of the 4 segments" in text
    assert summarize([]).startswith("No speech")
    assert summarize([_segment(0, 1, "happy"), _segment(1, 2, "sad"), _segment(2, 3, "angry")]).startswith("Mixed")


def test_unsure_segments_are_not_stated_as_sure():
    """Issue 11: "Also fearful at 18.9–22.8 s" where the table marked that segment "?" (33 %)."""
    segments = [_segment(0, 6, "neutral"), _segment(6, 12, "neutral"), _segment(12, 18.9, "happy"),
                _segment(18.9, 22.8, "angry", p=0.33)]
    text = summarize(segments)
    assert text.startswith("Mostly neutral (2 of 4 segments, 53 % of the speech time).")
    assert "happy at 12.0–18.9 s" in text and "angry" not in text and "22.8" not in text
    assert "unsure about 1 of the 4 segments" in text and "left out" in text
    only_unsure = summarize([_segment(0, 2, "sad", p=0.3), _segment(2, 4, "angry", p=0.35)])
    assert "unsure about all 2 segments" in only_unsure
    assert not any(e in only_unsure for e in LABELS)


def _transcript(*words):
    return Transcript("en", (TranscriptSegment(words[0][0], words[-1][1], " ".join(w[2] for w in words),
                                               tuple(Word(*w) for w in words)),))


def test_words_are_attached_to_segments():
    segments = with_text([_segment(0, 2, "happy"), _segment(2, 4, "sad")],
                         _transcript((0.1, 0.5, "hello"), (0.6, 1.2, "there"), (2.5, 3.0, "goodbye")))
    assert [s.text for s in segments] == ["hello there", "goodbye"]


def test_every_word_lands_in_exactly_one_segment():
    """Issue 11: "I am confident…" became "am confident…" in the segment table, JSON and CSV: the
    VAD's segment started after Whisper's "I". Words before, between and after the segments, and in
    two overlapping (widened) windows, each land once, in order."""
    words = [(4.50, 4.62, "I"), (4.70, 4.90, "am"), (4.95, 5.60, "confident"), (7.05, 7.30, "really"),
             (7.95, 8.20, "sure"), (9.00, 9.40, "now"), (12.6, 13.1, "bye")]
    segments = [_segment(4.66, 7.0, "neutral"), _segment(7.4, 8.4, "happy"), _segment(8.0, 9.0, "sad"), _segment(9.5, 12.2, "angry")]
    texts = [s.text for s in with_text(segments, _transcript(*words))]
    assert texts == ["I am confident really", "sure", "now", "bye"]
    assert " ".join(texts).split() == [w[2] for w in words]  # nothing lost, nothing twice
    assert [s.text for s in with_text([], _transcript(*words))] == []


def test_result_exports_json_and_csv(speech_wav):
    clip = load_clip(speech_wav, name="clip.wav")
    probabilities = {"neutral": 0.1, "happy": 0.6, "sad": 0.2, "angry": 0.1}
    single = Prediction("clip.wav", "m", probabilities, clip.report.duration_s, report=clip.report, transcript="hi")
    data = json.loads(single.to_json())
    assert data["emotion"] == "happy" and data["probabilities"] == probabilities and data["segments"] == []
    assert data["duration_s"] == 3.0 and data["transcript"] == "hi" and data["quality"]["sample_rate"] == 16000
    rows = list(csv.DictReader(io.StringIO(single.to_csv())))
    assert len(rows) == 1 and rows[0]["emotion"] == "happy" and float(rows[0]["happy"]) == 0.6 and rows[0]["text"] == "hi"

    segments = [_segment(0, 3, "neutral", text="one, two"), _segment(3, 6, "angry", text='say "stop"')]
    timeline = Prediction("long.wav", "m", overall(segments), clip.report.duration_s, speaker_normalised=True, segments=segments,
                          report=clip.report)
    rows = list(csv.DictReader(io.StringIO(timeline.to_csv())))
    assert [r["emotion"] for r in rows] == ["neutral", "angry"]
    assert rows[1]["text"] == 'say "stop"' and rows[0]["start_s"] == "0" and rows[1]["end_s"] == "6"
    data = json.loads(timeline.to_json())
    assert data["speaker_normalised"] and [s["emotion"] for s in data["segments"]] == ["neutral", "angry"]
