"""No network at run time: a fresh process whose sockets refuse every non-loopback address loads
the default model, the Whisper encoder, the Silero VAD and the transcription model, analyses a clip
and renders the Analyze page; Streamlit's usage statistics are off."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from .conftest import PROJECT_ROOT

GUARD = r'''
import socket
attempts = []
_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo
LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0")

def _check(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and str(host) not in LOCAL and not str(host).startswith("/"):
        attempts.append(str(host))
        raise OSError(f"network access blocked in this test: {host}")

def connect(self, address):
    _check(address[0] if isinstance(address, tuple) else None)
    return _connect(self, address)

def getaddrinfo(host, *args, **kwargs):
    _check(host)
    return _getaddrinfo(host, *args, **kwargs)

socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo
'''

WORK = r'''
import os
os.environ["HF_HUB_OFFLINE"] = "0"  # do not rely on offline flags: the guard is what proves it
from ser import testing
from ser.audio.clip import load_clip
from ser.models.predictor import Predictor
from ser.analysis.transcribe import transcribe
clip = load_clip(testing.wav_bytes(testing.speech_like(3.0, seed=3)))
probabilities = Predictor().predict(clip.samples)
assert abs(sum(probabilities.values()) - 1) < 1e-6
transcribe(clip.samples)
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(r"{app}", default_timeout=120)
at.run()
at.audio_input[0].set_value(("clip.wav", testing.wav_bytes(testing.speech_like(3.0, seed=4)), "audio/wav")).run()
assert not at.exception and not at.error, [e.value for e in at.error]
assert any(m.label == "Emotion" for m in at.metric)
print("ATTEMPTS", attempts)
'''


def test_everything_runs_with_the_network_blocked():
    code = GUARD + WORK.format(app=PROJECT_ROOT / "app.py")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ATTEMPTS []" in proc.stdout, proc.stdout[-2000:]


def test_streamlit_usage_statistics_are_off():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
