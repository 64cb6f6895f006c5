"""`ser serve`'s routes through FastAPI's TestClient: every route, every error, the JSON they answer with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ser import testing
from ser.analysis.result import analyze
from ser.api import ServeSettings, create_app, schemas
from ser.api.errors import status_of
from ser.api.service import AnalysisService
from ser.audio.clip import load_clip
from ser.errors import SerError
from ser.evaluation import protocols
from ser.models.artifacts import models_dir
from ser.models.predictor import shared

from .conftest import MODEL, loaded_app


def _wav(seconds: float = 3.0, seed: int = 1) -> bytes:
    return testing.wav_bytes(testing.speech_like(seconds, seed=seed))


def test_analyze_multipart_answers_the_record_of_ser_predict(client):
    wav = _wav()
    response = client.post("/v1/analyze", files={"file": ("hello.wav", wav, "audio/wav")})
    assert response.status_code == 200
    record = response.json()
    expected = json.loads(json.dumps(analyze(wav, shared(MODEL), file="hello.wav").to_dict()))
    assert record == expected  # the very record `ser predict --json` builds, field for field
    schemas.Analysis.model_validate(record)  # and the documented schema describes it exactly (extra="forbid")
    assert record["model"] == MODEL and record["file"] == "hello.wav"
    assert record["confidence"] == max(record["probabilities"].values())
    assert record["uncertain"] == (record["confidence"] < 0.4)
    assert record["segments"] == [] and record["transcript"] is None and record["quality"]["duration_s"] == pytest.approx(3.0)


def test_analyze_raw_body_with_a_file_name(client):
    response = client.post("/v1/analyze?filename=raw.wav", content=_wav(), headers={"content-type": "application/octet-stream"})
    assert response.status_code == 200 and response.json()["file"] == "raw.wav"
    response = client.post("/v1/analyze", content=_wav(), headers={"content-type": "audio/wav"})
    assert response.status_code == 200 and response.json()["file"] == "upload"


def test_long_audio_gets_segments_unless_timeline_is_off(client):
    wav = testing.wav_bytes(testing.speech_with_pauses((3.0, 2.5, 3.5, 2.0), gap=0.8))
    with_timeline = client.post("/v1/analyze", files={"file": ("long.wav", wav)}).json()
    assert len(with_timeline["segments"]) >= 2
    without = client.post("/v1/analyze?timeline=false", files={"file": ("long.wav", wav)}).json()
    assert without["segments"] == [] and without["probabilities"] != with_timeline["probabilities"]
    schemas.Analysis.model_validate(with_timeline)


def test_model_query_picks_an_installed_model_and_only_by_name(client):
    wav = _wav()
    assert client.post("/v1/analyze?model=random_forest", content=wav).json()["model"] == "random_forest"
    for name in ("nope", str(models_dir() / MODEL), "../models/svm", "/etc"):
        response = client.post("/v1/analyze", params={"model": name}, content=wav)
        assert response.status_code == 400, name
        assert response.json()["error"]["code"] == "unknown_model" and f"No model called '{name}'" in response.json()["error"]["message"]


def _gallery(tmp_path: Path) -> list[tuple[str, str, bytes]]:
    items = []
    for label, path in testing.write_gallery(tmp_path):
        if path.is_file():
            items.append((label, path.name, path.read_bytes()))
    return items


def test_every_odd_input_gets_the_library_answer_and_bad_ones_a_4xx(client, tmp_path):
    """The gallery of odd inputs (formats, levels, broken files): what the library accepts is analysed,
    what it refuses gets the library's own code and one-line message, as a 4xx, and the server goes on."""
    codes = set()
    for label, name, data in _gallery(tmp_path):
        response = client.post("/v1/analyze", params={"filename": name}, content=data)
        try:
            load_clip(data, name=name)
        except SerError as exc:
            assert 400 <= response.status_code < 500, label
            assert response.status_code == status_of(exc)
            assert response.json() == {"error": {"code": exc.code, "message": exc.message}}, label
            assert "\n" not in exc.message and "Traceback" not in response.text
            codes.add(exc.code)
        else:
            assert response.status_code == 200, (label, response.text)
            assert response.json()["file"] == name
    assert {"not_audio", "empty", "too_short", "silent", "corrupt", "non_finite"} <= codes
    assert client.post("/v1/analyze", content=_wav()).status_code == 200  # still serving


def test_status_codes_of_the_error_kinds(client):
    checks = {b"These are notes, not audio.\n" * 10: (415, "not_audio"), b"": (422, "empty"),
              _wav(0.2): (422, "too_short"), testing.wav_bytes(np.zeros(32000, np.float32)): (422, "silent")}
    for data, (status, code) in checks.items():
        response = client.post("/v1/analyze", content=data)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_too_long_audio_is_refused_with_the_servers_limit():
    with TestClient(loaded_app(max_seconds=2.0)) as c:
        response = c.post("/v1/analyze", content=_wav(3.0))
    assert response.status_code == 422 and response.json()["error"]["code"] == "too_long"


def test_batch_gives_each_file_its_result_or_error(client):
    files = [("files", ("a.wav", _wav(seed=2))), ("files", ("notes.txt", b"not audio at all")),
             ("files", ("short.wav", _wav(0.2))), ("files", ("b.flac", _wav(seed=3)))]
    response = client.post("/v1/analyze/batch", files=files)
    assert response.status_code == 200
    result = response.json()
    schemas.BatchResult.model_validate(result)
    assert [r["file"] for r in result["results"]] == ["a.wav", "notes.txt", "short.wav", "b.flac"]
    assert result["analysed"] == 2 and result["failed"] == 2
    assert result["results"][1]["error"]["code"] == "not_audio" and result["results"][2]["error"]["code"] == "too_short"
    assert result["results"][0]["emotion"] in result["results"][0]["probabilities"]


def test_batch_request_errors(client):
    assert client.post("/v1/analyze/batch", content=_wav()).json()["error"]["code"] == "bad_request"  # not multipart
    too_many = [("files", (f"{i}.wav", b"x")) for i in range(ServeSettings().max_batch_files + 1)]
    response = client.post("/v1/analyze/batch", files=too_many)
    assert response.status_code == 400 and "at most" in response.json()["error"]["message"]
    response = client.post("/v1/analyze/batch?model=nope", files=[("files", ("a.wav", _wav()))])
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_model"
    response = client.post("/v1/analyze", files=[("file", ("a.wav", _wav())), ("file", ("b.wav", _wav()))])
    assert response.status_code == 400 and "/v1/analyze/batch" in response.json()["error"]["message"]
    response = client.post("/v1/analyze", data={"note": "no file"})  # a form is read as the raw body: not audio
    assert response.status_code == 415 and response.json()["error"]["code"] == "not_audio"
    response = client.post("/v1/analyze", files={"file": ("a.wav", _wav())}, data={"note": "a field beside the file"})
    assert response.status_code == 200 and response.json()["file"] == "a.wav"
    response = client.post("/v1/analyze", files={"nofile": (None, "a plain field only")})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    response = client.post("/v1/analyze", content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_models_lists_every_installed_model_with_its_stored_figures(client):
    response = client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    schemas.Models.model_validate(body)
    names = [m["name"] for m in body["models"]]
    assert sorted(names) == sorted(p.name for p in models_dir().iterdir() if (p / "meta.json").is_file())
    assert body["default"] == MODEL and body["models"][0]["name"] == MODEL and body["models"][0]["default"]
    meta = json.loads((models_dir() / MODEL / "meta.json").read_text())
    assert body["models"][0]["trained_on"] == list(meta["training_data"]["per_dataset"]) and body["models"][0]["trained_on"]
    metrics = json.loads((models_dir() / MODEL / "metrics.json").read_text())
    figures = body["models"][0]["evaluations"]
    assert set(figures) == {p for p in protocols.PROTOCOLS if protocols.stored_variant(metrics, p, "none")}
    for protocol, stored in figures.items():
        assert stored["uar"] == pytest.approx(protocols.figure(metrics, protocol, "none", "uar"), abs=1e-4)
        assert stored["accuracy"] == pytest.approx(protocols.figure(metrics, protocol, "none", "accuracy"), abs=1e-4)


def test_healthz_is_503_until_the_default_model_is_loaded():
    settings = ServeSettings(model=MODEL, warm_transcription=False)
    service = AnalysisService(settings)
    c = TestClient(create_app(settings, service=service))  # no lifespan: nothing starts loading
    response = c.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "loading" and response.json()["model"] is None
    service.start().join()
    response = c.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ready", "model": MODEL, "transcription": "not loaded",
                                                               "error": None}


def test_healthz_says_why_the_default_model_failed():
    service = AnalysisService(ServeSettings(model="no_such_model", warm_transcription=False))
    service.start().join()
    c = TestClient(create_app(service.settings, service=service))
    response = c.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "failed"
    assert response.json()["error"]["code"] == "unknown_model"
    response = c.post("/v1/analyze", content=_wav())
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_model"


def test_api_key(monkeypatch):
    app = loaded_app(api_key="s3cret")
    with TestClient(app) as c:
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
            response = c.post("/v1/analyze", content=_wav(), headers=headers)
            assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
            assert c.get("/v1/models", headers=headers).status_code == 401
        assert c.post("/v1/analyze", content=_wav(), headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/v1/models", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/healthz").status_code == 200  # health and docs stay open
    monkeypatch.setenv("SER_API_KEY", "from-env")
    assert ServeSettings.from_env().api_key == "from-env"


def test_settings_travel_to_worker_processes():
    settings = ServeSettings(model="svm", api_key="k", max_upload_mb=3, threads=3)
    env = settings.to_env()
    assert "k" not in env["SER_SERVE_SETTINGS"]  # the key travels on its own
    assert ServeSettings.from_env(env) == settings
    with pytest.raises(SerError, match="keys among"):
        ServeSettings.from_env({"SER_SERVE_SETTINGS": '{"nope": 1}'})
    with pytest.raises(SerError, match="max-upload-mb"):
        ServeSettings(max_upload_mb=0)


def test_http_errors_are_json(client):
    assert client.get("/nowhere").json()["error"]["code"] == "not_found"
    response = client.get("/v1/analyze")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    response = client.post("/v1/analyze?transcribe=perhaps", content=_wav())
    assert response.status_code == 400 and "transcribe" in response.json()["error"]["message"]


def test_an_unforeseen_failure_is_one_line_and_the_server_goes_on(client, monkeypatch):
    import ser.analysis.result as result
    import ser.api.app as app_module

    def broken(*args, **kwargs):
        raise RuntimeError("decoder exploded\nwith two lines")

    monkeypatch.setattr(result, "analyze", broken)
    response = client.post("/v1/analyze", content=_wav())
    assert response.status_code == 422 and response.json()["error"]["code"] == "unexpected"
    assert "\n" not in response.json()["error"]["message"] and "decoder exploded" in response.json()["error"]["message"]
    monkeypatch.setattr(app_module, "installed_models", broken)  # a bug of the server's own: 500, one line, no traceback
    response = client.get("/v1/models")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal" and "Traceback" not in response.text
    monkeypatch.undo()
    assert client.post("/v1/analyze", content=_wav()).status_code == 200


def test_docs_need_no_network(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text  # no CDN: every asset from this server
    for asset in ("/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css"):
        assert asset in page.text and client.get(asset).status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/analyze/batch", "/v1/models", "/healthz"} <= set(spec["paths"])
    body = spec["paths"]["/v1/analyze"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body and "application/octet-stream" in body


def test_transcribe_adds_the_words_to_the_record_and_its_segments(client):
    first = testing.spoken("The weather is lovely today and I am very happy about it.")
    if first is None:
        pytest.skip("espeak-ng is not installed: no real speech to transcribe")
    second = testing.spoken("Tomorrow we will walk to the river together.")
    silence = np.zeros(16000, np.float32)
    y = np.concatenate([silence, first, silence, second, silence, first, silence]).astype(np.float32)
    assert len(y) / 16000 > 8.0
    response = client.post("/v1/analyze?transcribe=true", files={"file": ("speech.wav", testing.wav_bytes(y))})
    assert response.status_code == 200, response.text
    record = response.json()
    schemas.Analysis.model_validate(record)
    assert record["language"] == "en" and "river" in record["transcript"].lower()
    words = " ".join(s["text"] for s in record["segments"]).lower()
    assert len(record["segments"]) >= 2 and "river" in words and "weather" in words  # each segment holds its words
    assert client.get("/healthz").json()["transcription"] == "ready"
    plain = client.post("/v1/analyze", files={"file": ("speech.wav", testing.wav_bytes(y))}).json()
    assert plain["transcript"] is None and plain["language"] is None and all(s["text"] == "" for s in plain["segments"])
    assert plain["probabilities"] == record["probabilities"]  # the words change nothing in the emotion
