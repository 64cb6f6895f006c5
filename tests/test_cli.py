"""The `ser inspect` / `ser predict` contract: one JSON object per line, errors per file (one line on
stderr), exit status, no traceback, no TensorFlow noise, no TensorFlow at all for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ser import testing
from ser.cli import main


@pytest.fixture()
def files(tmp_path, speech) -> dict[str, Path]:
    good = testing.write_audio(tmp_path / "good.wav", speech)
    stereo = testing.write_audio(tmp_path / "stereo.mp3", np.stack([speech, speech], 1))
    text = tmp_path / "text.wav"
    text.write_text("not audio")
    short = testing.write_audio(tmp_path / "short.wav", speech[:1000])
    return {"good": good, "stereo": stereo, "text": text, "short": short, "missing": tmp_path / "missing.flac"}


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_json_all_good(files, capsys):
    assert main(["inspect", "--json", str(files["good"]), str(files["stereo"])]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert [r["file"] for r in rows] == [str(files["good"]), str(files["stereo"])]
    assert rows[0]["duration_s"] == pytest.approx(3.0)
    assert rows[1]["original_channels"] == 2 and rows[1]["container"] == "MP3"
    for key in ("peak_dbfs", "rms_dbfs", "clipped_fraction", "wraparound_count", "speech_fraction", "warnings"):
        assert key in rows[0]


def test_json_failures_do_not_stop_the_others(files, capsys):
    order = ["text", "good", "short", "missing"]
    assert main(["inspect", "--json", *[str(files[k]) for k in order]]) == 2
    rows = _json_lines(capsys.readouterr().out)
    assert len(rows) == 4
    assert set(rows[0]) == {"file", "error"} and "not an audio file" in rows[0]["error"]
    assert "error" not in rows[1]
    assert "0.06 s long" in rows[2]["error"]
    assert "not found" in rows[3]["error"]


def test_human_output(files, capsys):
    assert main(["inspect", str(files["good"]), str(files["text"])]) == 2
    captured = capsys.readouterr()
    assert "3.00 s" in captured.out and "WAV PCM_16" in captured.out and "text.wav" not in captured.out
    assert captured.err == f"ser: {files['text']}: text.wav is not an audio file we can read (not WAV, FLAC, OGG, Opus, MP3, M4A or WebM).\n"


def test_bad_arguments_exit_2(capsys):
    assert main(["inspect"]) == 2
    assert main(["inspect", "--min-seconds", "abc", "x.wav"]) == 2
    assert main(["inspect", "--min-seconds", "5", "--max-seconds", "1", "x.wav"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_never_prints_a_traceback(files):
    cmd = [sys.executable, "-m", "ser.cli", "inspect", "--json", str(files["good"]), str(files["text"])]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert len(_json_lines(done.stdout)) == 2


def test_gallery_of_odd_inputs(tmp_path, capsys):
    """Every kind of input gets a result or a one-line message; each broken kind its own error."""
    items = testing.write_gallery(tmp_path)
    assert main(["inspect", "--json", *[str(p) for _, p in items]]) == 2
    rows = _json_lines(capsys.readouterr().out)
    assert len(rows) == len(items) >= 30
    by_name = {Path(r["file"]).name: r for r in rows}
    ok = [n for n, r in by_name.items() if "error" not in r]
    assert len(ok) == 19
    expected = {
        "notes.wav": "not an audio file", "picture.mp3": "not an audio file", "empty.wav": "empty",
        "header_only.wav": "no audio samples", "truncated.wav": "truncated", "cut_header.wav": "damaged",
        "truncated.flac": "damaged or truncated: decoding stopped after", "blip.wav": "at least 0.5 s", "silence.wav": "silent",
        "hiss.wav": "silent", "dc_only.wav": "silent", "nan.wav": "NaN", "inf.wav": "1 NaN or infinite sample value;",
        "a folder.wav": "folder", "missing.wav": "not found",
    }
    for name, text in expected.items():
        assert text in by_name[name]["error"].replace(name, ""), (name, by_name[name])
    warned = {n: " ".join(by_name[n]["warnings"]) for n in ok}
    assert "Clipping" in warned["clipped.wav"]
    assert "Wrap-around" in warned["wraparound.wav"]
    assert "Very quiet" in warned["quiet.wav"]
    assert "Mostly silence" in warned["mostly_silence.wav"]
    assert "No speech" in warned["noise.wav"]
    assert "DC offset" in warned["dc_offset.wav"]
    assert by_name["six_channels_96k_float.wav"]["original_channels"] == 6


def _captured_train(monkeypatch) -> dict:
    import ser.evaluation.experiment

    seen: dict = {}

    def fake_train(spec, sources, out_dir, **kwargs):
        seen.update(spec=spec, sources=sources, out_dir=out_dir, **kwargs)
        return out_dir

    monkeypatch.setattr(ser.evaluation.experiment, "train", fake_train)
    return seen


def test_train_feature_overrides_reach_the_recipe(monkeypatch, tmp_path):
    seen = _captured_train(monkeypatch)
    argv = ["train", "lstm", "--data", str(tmp_path), "--out", str(tmp_path / "models"), "--n-mfcc", "20", "--hop-length", "160",
            "--feature", "fmax=7600", "--feature", "deltas=false", "--feature", "pad_mode=edge"]
    assert main(argv) == 0
    config = seen["spec"].input.feature_config
    assert (config.n_mfcc, config.hop_length, config.fmax, config.deltas, config.pad_mode) == (20, 160, 7600.0, False, "edge")
    assert config.n_mels == 64  # the recipe's other settings stay
    assert seen["progress"] is True  # per-epoch bars (drawn only on a terminal)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-mfcc", "0"], "n_mfcc must be a positive integer"),
        (["--n-mfcc", "80"], "n_mfcc (80) must not exceed n_mels (64)"),
        (["--feature", "colour=blue"], "unknown feature setting(s) colour (known: sample_rate"),
        (["--feature", "n_mfcc"], "--feature needs KEY=VALUE"),
        (["--feature", "deltas=maybe"], "deltas must be true or false"),
        (["--hop-length", "-5"], "hop_length must be a positive integer"),
    ],
)
def test_train_bad_feature_overrides_are_one_line_errors(monkeypatch, tmp_path, capsys, args, message):
    seen = _captured_train(monkeypatch)
    assert main(["train", "cnn", "--data", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ser: ") and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not seen  # nothing was trained


def test_train_feature_overrides_do_not_apply_to_whisper_frames(monkeypatch, tmp_path, capsys):
    _captured_train(monkeypatch)
    assert main(["train", "whisper_head", "--data", str(tmp_path), "--n-mels", "40"]) == 2
    assert "do not apply" in capsys.readouterr().err


def _run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`ser ...` in a fresh interpreter that reports which heavy libraries it imported (on stdout, last line)."""
    code = ("import json, sys\nfrom ser.cli import main\nrc = main(sys.argv[1:])\n"
            "print(json.dumps({m: m in sys.modules for m in ('tensorflow', 'keras', 'sklearn')}))\nsys.exit(rc)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ABSL"))}  # our own quieting, not the caller's
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, env=env or clean)


def test_predict_missing_file_is_one_line_and_loads_no_tensorflow(tmp_path):
    """Issue 11: `ser predict missing.wav` loaded TensorFlow (4-10 s) and printed CUDA/absl noise first."""
    missing = tmp_path / "missing.wav"
    done = _run_cli("predict", str(missing))
    assert done.returncode == 2
    assert done.stderr == f"ser: File not found: {missing}\n"
    assert json.loads(done.stdout.splitlines()[-1]) == {"tensorflow": False, "keras": False, "sklearn": False}


def test_predict_bad_audio_is_checked_before_the_model(files):
    done = _run_cli("predict", "--json", str(files["text"]), str(files["short"]))
    assert done.returncode == 2 and done.stderr == ""
    *rows, imported = done.stdout.splitlines()
    assert [sorted(json.loads(r)) for r in rows] == [["error", "file"], ["error", "file"]]
    assert json.loads(imported)["tensorflow"] is False


def test_predict_unknown_model_is_one_line_before_any_audio(files):
    done = _run_cli("predict", "--model", "nope", str(files["good"]))
    assert done.returncode == 2 and done.stderr.startswith("ser: No model called 'nope' (installed: ")
    assert done.stderr.count("\n") == 1 and json.loads(done.stdout.splitlines()[-1])["tensorflow"] is False


def test_prediction_stderr_has_no_tensorflow_noise(files):
    """The default (Keras) model: TensorFlow loads, and says nothing (no absl, oneDNN, CUDA or cuInit lines)."""
    done = _run_cli("predict", "--json", str(files["good"]))
    assert done.returncode == 0, done.stderr
    *rows, imported = done.stdout.splitlines()
    assert json.loads(imported)["tensorflow"] is True  # the check below is about a real TensorFlow run
    assert json.loads(rows[0])["emotion"]
    assert done.stderr == ""


def test_predict_transcribes_when_asked_in_json_and_text(tmp_path, capsys):
    y = testing.spoken("Good morning. The weather is lovely today.")
    if y is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")
    path = testing.write_audio(tmp_path / "said.wav", y)
    assert main(["predict", str(path), "--json"]) == 0
    plain = _json_lines(capsys.readouterr().out)[0]
    assert plain["transcript"] is None and plain["language"] is None  # not asked: no Whisper
    assert main(["predict", str(path), "--json", "--transcribe"]) == 0
    record = _json_lines(capsys.readouterr().out)[0]
    assert record["language"] == "en" and "weather" in record["transcript"].lower()
    assert main(["predict", str(path), "--transcribe"]) == 0
    assert "said (en):" in capsys.readouterr().out


def test_evaluate_help_gives_the_default_margin_the_code_uses(capsys, monkeypatch):
    from ser.evaluation import experiment

    monkeypatch.setattr(experiment, "CHOICE_MARGIN", 0.025)
    assert main(["evaluate", "--help"]) == 0
    assert "by more than 2.5 point(s)" in " ".join(capsys.readouterr().out.split())
