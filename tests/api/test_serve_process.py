"""A real `ser serve` process on a free local port, with the shipped default model: start, health, analyze,
bad input, too large, shutdown. Timeouts only keep a broken server from hanging the suite; nothing is timed."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ser import testing
from ser.cli import main
from ser.models.artifacts import default_model_name
from ser.testing import free_port

START_TIMEOUT_S = 600  # TensorFlow and the default model load on a busy 2-core machine



def _request(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture()
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SER_API_KEY", "SER_SERVE_SETTINGS")}
    out, err = open(tmp_path / "stdout", "wb"), open(tmp_path / "stderr", "wb")
    process = subprocess.Popen([sys.executable, "-m", "ser.cli", "serve", "--port", str(port), "--max-upload-mb", "1"],
                               stdout=out, stderr=err, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            try:
                status, health = _request(f"{url}/healthz")
                if status == 200:
                    break
                assert status == 503 and health["status"] == "loading", health
            except (ConnectionError, urllib.error.URLError):
                pass  # not listening yet
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.5)
        yield url, process, tmp_path
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
        out.close()
        err.close()


def test_a_real_server_end_to_end(server):
    url, process, folder = server
    status, health = _request(f"{url}/healthz")
    assert status == 200 and health["model"] == default_model_name()

    wav = testing.wav_bytes(testing.speech_like(3.0, seed=1))
    status, record = _request(f"{url}/v1/analyze?filename=voice.wav", wav, {"Content-Type": "audio/wav"})
    assert status == 200 and record["file"] == "voice.wav" and record["model"] == default_model_name()
    assert record["emotion"] in record["probabilities"] and abs(sum(record["probabilities"].values()) - 1) < 1e-3

    status, error = _request(f"{url}/v1/analyze", b"not audio, just text", {"Content-Type": "application/octet-stream"})
    assert status == 415 and error["error"]["code"] == "not_audio"

    connection = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=120)
    connection.putrequest("POST", "/v1/analyze")
    connection.putheader("Content-Type", "audio/wav")
    connection.putheader("Content-Length", str(50 * 1024 * 1024))
    connection.endheaders()  # the 50 MB body is never sent: the answer comes from the headers alone
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == "too_large"
    connection.close()

    status, models = _request(f"{url}/v1/models")
    assert status == 200 and models["default"] == default_model_name()
    assert _request(f"{url}/v1/analyze", wav)[0] == 200  # still serving after the bad requests

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 0
    stderr = (folder / "stderr").read_text()
    assert "Traceback" not in stderr, stderr


def test_serve_refuses_an_unknown_model_in_one_line(capsys):
    assert main(["serve", "--model", "no_such_model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ser: No model called 'no_such_model'") and len(err.strip().splitlines()) == 1
    assert main(["serve", "--workers", "0"]) == 2
