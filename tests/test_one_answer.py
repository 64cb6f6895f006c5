"""One file, one answer (issue 11, point 1): `ser predict --json`, `ser serve` and the library's timeline agree on
long audio, whose probabilities are the length-weighted mean of its segments, as on the Analyze page; and the CLI
record carries confidence and uncertain like the app's JSON download (point 16)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ser import testing
from ser.analysis.result import Prediction
from ser.analysis.timeline import LONG_AUDIO_SECONDS, emotion_timeline, overall
from ser.audio.clip import load_clip
from ser.cli import main
from ser.models.predictor import shared

from .api.conftest import MODEL, loaded_app


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory):
    y = testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0, 3.0), gap=0.8)
    y[int(4.6 * 16000) : int(7.2 * 16000)] *= 3  # a louder phrase, so the segments differ
    path = tmp_path_factory.mktemp("long") / "long.wav"
    path.write_bytes(testing.wav_bytes(y))
    assert len(y) / 16000 > LONG_AUDIO_SECONDS
    return path


def _cli_record(path, capsys) -> dict:
    assert main(["predict", "--json", "--model", MODEL, str(path)]) == 0
    return json.loads(capsys.readouterr().out.strip())


def test_cli_api_and_library_give_long_audio_one_answer(long_wav, capsys):
    cli = _cli_record(long_wav, capsys)
    with TestClient(loaded_app()) as client:
        api = client.post("/v1/analyze", files={"file": (long_wav.name, long_wav.read_bytes())}).json()

    clip = load_clip(long_wav)
    segments, _ = emotion_timeline(clip.samples, clip.sample_rate, clip.speech, shared(MODEL))
    library = overall(segments)

    assert len(cli["segments"]) == len(segments) >= 3
    assert cli["file"] == str(long_wav) and api["file"] == long_wav.name  # each names the file as it was given
    assert {**cli, "file": None} == {**api, "file": None}  # otherwise the same record, field for field
    for got, want in zip(cli["segments"], segments, strict=True):
        assert (got["start_s"], got["end_s"], got["emotion"]) == (want.start, want.end, want.emotion)
    assert cli["probabilities"] == {k: round(v, 4) for k, v in library.items()}
    weights = np.array([s["end_s"] - s["start_s"] for s in cli["segments"]])  # the mean, re-derived from the JSON alone
    for label, p in cli["probabilities"].items():
        mean = sum(w * s["probabilities"][label] for w, s in zip(weights, cli["segments"], strict=True)) / weights.sum()
        assert p == pytest.approx(mean, abs=2e-4)
    assert cli["emotion"] == max(library, key=library.get)


def test_short_audio_is_one_clip_everywhere(tmp_path, capsys):
    path = testing.write_audio(tmp_path / "short.wav", testing.speech_like(3.0, seed=5))
    cli = _cli_record(path, capsys)
    assert cli["segments"] == []
    assert cli["probabilities"] == {k: round(v, 4) for k, v in shared(MODEL).predict(load_clip(path).samples).items()}


def test_cli_json_carries_confidence_and_uncertain_like_the_apps_download(tmp_path, capsys):
    path = testing.write_audio(tmp_path / "clip.wav", testing.speech_like(3.0, seed=6))
    cli = _cli_record(path, capsys)
    app_json = json.loads(Prediction(file=str(path), model=MODEL, probabilities=dict(cli["probabilities"])).to_json())
    assert set(cli) == set(app_json)  # the download's keys, the same function builds both
    top = max(cli["probabilities"].values())
    assert cli["confidence"] == pytest.approx(top, abs=1e-4) and cli["uncertain"] is (top < 0.4)
    assert (cli["confidence"], cli["uncertain"]) == (app_json["confidence"], app_json["uncertain"])
