"""Hostile and odd inputs (tests/hostile_inputs.py) through the library, `ser predict` and the Analyze page.

Each input must give a correct result or one of the library's typed errors with a one-line message
naming the file; `ser predict --json` prints one object per file ({"file", "error"} for bad ones,
exit 2, no traceback); the Analyze page shows the same message in one error element (or the result)
without an exception, and the same app session still analyses a good clip afterwards.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import tomllib
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ser import testing
from ser.analysis.batch import BatchItem, expand
from ser.audio import decode as decode_module
from ser.audio.clip import Limits, load_clip
from ser.audio.decode import one_line
from ser.cli import main
from ser.errors import SerError, TooLongError
from ser.markup import escape_markdown

from . import hostile_inputs
from .conftest import PROJECT_ROOT

CASES = hostile_inputs.cases()
BY_NAME = {c.name: c for c in CASES}
ERROR_CODES = {"file_access", "not_audio", "corrupt", "empty", "too_short", "too_long", "silent", "non_finite"}
APP = str(PROJECT_ROOT / "app.py")
MIME = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg", ".m4a": "audio/mp4", ".webm": "audio/webm"}


def _id(case: hostile_inputs.Case) -> str:
    return case.kind


def _on_disk(case: hostile_inputs.Case) -> str:
    """The name a file system allows: an upload may be called "</script>.wav", a file may not."""
    return case.name.replace("/", "\u2215")


def test_the_collection_is_broad():
    assert len(CASES) >= 30 and len(BY_NAME) == len(CASES)
    assert len({c.kind for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} >= {"ok", "not_audio", "corrupt", "empty", "too_short", "too_long", "silent", "non_finite"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Every case written to disk under its own (odd) name."""
    root = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (root / _on_disk(case)).write_bytes(case.data)
    return root


def _outcome(source, name: str | None = None) -> tuple[str, str, object]:
    """("ok", warnings, clip) or (code, message, error) for one load_clip call."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # overflow, invalid value, divide by zero
            clip = load_clip(source, name=name)
    except SerError as err:
        return err.code, err.message, err
    return "ok", " ".join(clip.report.warnings), clip


def _assert_matches(case: hostile_inputs.Case, code: str, text: str, result: object) -> None:
    allowed = set(case.expect.split("|"))
    assert code in allowed, (case.kind, code, text)
    assert case.says in text, (case.kind, text)
    if code == "ok":
        clip = result
        assert clip.sample_rate == 16_000 and clip.samples.dtype == np.float32
        assert np.isfinite(clip.samples).all() and clip.duration >= 0.5
        report = clip.report.to_dict()
        assert all(math.isfinite(v) for v in report.values() if isinstance(v, float)), report
        assert all("\n" not in w for w in clip.report.warnings)
    else:
        assert code in ERROR_CODES
        assert text and "\n" not in text and "Traceback" not in text and len(text) < 300 + len(case.name), text
        assert one_line(case.name) in text  # the message says which file


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_library_gives_a_result_or_a_typed_error(case, folder):
    from_bytes = _outcome(case.data, name=case.name)
    _assert_matches(case, *from_bytes)
    path = folder / _on_disk(case)
    from_path = _outcome(path, name=case.name)
    with open(path, "rb") as handle:
        from_file = _outcome(handle, name=case.name)
    with open(path, "rb") as handle:  # a non-seekable stream (a pipe, an HTTP body)
        from_stream = _outcome(io.BufferedReader(_Unseekable(handle)), name=case.name)
    assert from_path[:2] == from_file[:2] == from_stream[:2] == from_bytes[:2]


class _Unseekable(io.RawIOBase):
    def __init__(self, handle) -> None:
        self._handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_ser_predict_json_over_every_input(folder, capsys):
    """One `ser predict --json` over all inputs: one object per file, in order; errors are the library's."""
    paths = [str(folder / _on_disk(c)) for c in CASES] + [str(folder / "missing.wav"), str(folder)]
    code = main(["predict", "--json", "--model", "svm", *paths])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    rows = _json_lines(captured.out)
    assert [r["file"] for r in rows] == paths
    for case, row in zip(CASES, rows, strict=False):
        expected, message, _ = _outcome(folder / _on_disk(case))
        if expected == "ok":
            assert set(row) >= {"file", "model", "emotion", "probabilities", "warnings"}, row
            assert row["model"] == "svm" and sum(row["probabilities"].values()) == pytest.approx(1, abs=1e-3)
            assert all(math.isfinite(p) for p in row["probabilities"].values())
        else:
            assert row == {"file": str(folder / _on_disk(case)), "error": message}
    assert "not found" in rows[-2]["error"] and "is a folder" in rows[-1]["error"]
    assert not any(r.get("error", "").startswith("Unexpected problem") for r in rows)


def test_ser_predict_human_output_keeps_each_name_on_one_line(folder, capsys):
    names = ["it's \"quoted\"\nnext line.wav", "# - 1. big.wav"]
    assert main(["predict", "--model", "svm", *[str(folder / n) for n in names]]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{folder}/it's \"quoted\" next line.wav: ")  # the result's first line names it whole
    assert captured.out.splitlines()[1].startswith("  ")  # then the probabilities, indented
    [err] = captured.err.splitlines()  # the failed file: one line
    assert err.startswith(f"ser: {folder}/# - 1. big.wav: # - 1. big.wav is not an audio file")


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("a\0b.wav", "File not found: a b.wav"),
        ("x" * 300 + ".wav", "Cannot read xxx"),
        ("/nonexistent/folder/clip.wav", "File not found"),
        ("/", "is a folder"),
        ("/dev/null", "null is empty (0 bytes)"),
    ],
    ids=["NUL in the path", "name too long", "missing folder", "root folder", "/dev/null"],
)
def test_bad_paths_are_file_access_errors(path, says, capsys):
    with pytest.raises(SerError, match=None) as caught:
        load_clip(path)
    assert says in caught.value.message and "\n" not in caught.value.message
    if "\0" not in path:  # a command line cannot hold a NUL
        assert main(["inspect", "--json", path]) == 2
        assert says in json.loads(capsys.readouterr().out)["error"]


def test_no_extension_is_decoded_by_content(folder):
    (folder / "recording").write_bytes(BY_NAME["good.wav"].data)
    assert load_clip(folder / "recording").report.container == "WAV"


# --- The Analyze page -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyze():
    """One AppTest session on the Analyze page in upload mode, transcription off (it is tested in test_app)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    [t for t in at.sidebar.toggle if t.label == "Transcribe speech"][0].set_value(False).run()
    at.radio[0].set_value("Upload").run()
    assert not at.exception
    return at


def _upload(at, name: str, data: bytes):
    mime = MIME.get(Path(name).suffix.lower(), "application/octet-stream")
    at.main.file_uploader[0].upload(name, data, mime).run()
    return at


APP_OK = ["good.wav", "<script>alert(1)</script>.wav", "**bold** [link](http://x.example) $x^2$ :red[red] `code`.wav",
          "日本語 ünïcödé 🎙️.wav", "it's \"quoted\"\nnext line.wav", "six.wav", "rate8k.wav", "good.mp3", "clipped.wav"]


def test_analyze_page_shows_each_error_and_keeps_serving(analyze):
    at = analyze
    failures = [c for c in CASES if "ok" not in c.expect]
    assert len(failures) >= 30
    for case in failures:
        _upload(at, case.name, case.data)
        code, message, _ = _outcome(case.data, name=case.name)
        assert not at.exception, (case.kind, at.exception)
        assert [e.value for e in at.error] == [escape_markdown(message)], case.kind
        assert not at.metric  # nothing of a result is drawn
    _assert_analysed(at, "after the errors.wav", testing.wav_bytes(testing.speech_like(2.5, seed=99)))


def test_analyze_page_shows_odd_names_and_formats_literally(analyze):
    at = analyze
    for name in APP_OK:
        case = BY_NAME[name]
        _assert_analysed(at, name, case.data)
        if case.says:
            assert any(case.says in w.value for w in at.warning), name


@pytest.mark.slow
def test_analyze_page_analyses_every_other_usable_input(analyze):
    """The usable inputs the default run leaves to the library and `ser predict` (about 2 s each)."""
    at = analyze
    rest = [c for c in CASES if "ok" in c.expect and c.name not in APP_OK]
    assert len(rest) >= 25
    for case in rest:
        _assert_analysed(at, case.name, case.data)
        if case.says:
            assert any(case.says in w.value for w in at.warning), case.name


@pytest.mark.parametrize("name", ["recording", "notes.txt", "clip.wav.exe", "clip\0.wav"],
                         ids=["no extension", "wrong extension", "double extension", "NUL in the name"])
def test_crafted_upload_names_are_refused_by_streamlit_and_the_server_goes_on(analyze, name):
    """The browser only offers audio files. A client that sends another name anyway is refused by
    Streamlit's own server-side check before the page runs (the page cannot catch it): that session
    gets an exception element with a redacted message and no traceback (client.showErrorDetails in
    .streamlit/config.toml); other sessions go on."""
    from streamlit.testing.v1 import AppTest

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("type", "none")
    crafted = AppTest.from_file(APP, default_timeout=120)
    crafted.run()
    crafted.radio[0].set_value("Upload").run()
    _upload(crafted, name, BY_NAME["good.wav"].data)
    assert len(crafted.exception) == 1
    shown = crafted.exception[0]
    assert "redacted" in shown.value and not shown.stack_trace and "Invalid file extension" not in shown.value
    _assert_analysed(analyze, f"after {len(name)}.wav", testing.wav_bytes(testing.speech_like(2.0, seed=len(name))))


def _assert_analysed(at, name: str, data: bytes) -> None:
    _upload(at, name, data)
    assert not at.exception and not at.error, (name, at.exception, [e.value for e in at.error])
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"**{escape_markdown(name)}** · ") for c in captions), (name, captions)
    labels = {m.label for m in at.metric}
    assert {"Duration", "Emotion"} <= labels, labels


# --- Limits ------------------------------------------------------------------------------------


def test_upload_limit_is_configured_and_longer_audio_is_refused_from_its_header(tmp_path, capsys, monkeypatch):
    """Streamlit refuses uploads over server.maxUploadSize before the app sees them (in the browser and
    in its upload handler); a file over that size that does reach the library is refused from its
    header, without decoding, by the 2-hour limit."""
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    limit_mb = config["server"]["maxUploadSize"]
    assert limit_mb == 500
    head, size = hostile_inputs.long_wav_header(limit_mb * 1.2 * 2**20 / 8000)  # 8 kHz 8-bit: 600 MB is 21.8 h
    big = tmp_path / "over the upload limit.wav"
    with open(big, "wb") as handle:  # sparse: 600 MB on paper, a few KB on disk
        handle.write(head)
        handle.truncate(len(head) + size)
    assert big.stat().st_size > limit_mb * 2**20

    def no_decoding(*args, **kwargs):
        raise AssertionError("the samples were decoded; the header alone should have refused the file")

    monkeypatch.setattr(decode_module, "_convert", no_decoding)  # the one place samples are read
    with pytest.raises(TooLongError, match=r"is 21\.\d+ h long; the limit is 2\.00 h"):
        load_clip(big)
    assert main(["predict", "--json", "--model", "svm", str(big)]) == 2
    assert "the limit is 2.00 h" in json.loads(capsys.readouterr().out)["error"]
    assert Limits().max_seconds == 7200


@pytest.mark.slow
def test_one_hour_file(tmp_path, capsys):
    """A 1-hour WAV (115 MB, under the upload limit): library, `ser predict`, and the Analyze page's
    emotion timeline (with the quick svm model; transcription off)."""
    from streamlit.testing.v1 import AppTest

    path = hostile_inputs.one_hour_wav(tmp_path / "one hour.wav")
    assert main(["predict", "--json", "--model", "svm", str(path)]) == 0  # the library's load_clip + analyze_clip
    row = json.loads(capsys.readouterr().out)
    assert row["duration_s"] == pytest.approx(3600.0, abs=0.01) and row["quality"]["speech_fraction"] > 0.3
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.sidebar.selectbox[0].set_value("svm").run()
    [t for t in at.sidebar.toggle if t.label == "Transcribe speech"][0].set_value(False).run()
    at.radio[0].set_value("Upload").run()
    _upload(at, "one hour.wav", path.read_bytes())
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    assert labels["Duration"] == "3600.00 s" and "Overall emotion" in labels
    assert "Emotion timeline" in [s.value for s in at.subheader]


# --- Zip archives (Batch page) -----------------------------------------------------------------


def _mixed_zip() -> bytes:
    good = BY_NAME["good.wav"].data
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("deep.wav", good)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("take 1.wav", good)
        archive.writestr("folder/", b"")
        archive.writestr("folder/日本語 <b>x</b>.mp3", BY_NAME["good.mp3"].data)
        archive.writestr("../../escape.wav", good)  # path traversal: only a name here, never extracted
        archive.writestr("notes.txt", b"hello")
        archive.writestr("nested.zip", inner.getvalue())
        archive.writestr("broken.wav", BY_NAME["notes.wav"].data)
        archive.writestr("silence.wav", BY_NAME["silence.wav"].data)
        archive.writestr("__MACOSX/._take 1.wav", b"\0\5\26\7")
        archive.writestr(".hidden.wav", good)
        archive.writestr("zeros.wav", bytes(200_000))
    return _lie_about_size(buffer.getvalue(), "zeros.wav", 1000)


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite a member's uncompressed size in its local and central headers (a zip-bomb trick)."""
    out = bytearray(data)
    name = member.encode()
    local = 0
    while True:
        local = out.index(b"PK\x03\x04", local)
        if out[local + 30 : local + 30 + len(name)] == name:
            out[local + 22 : local + 26] = struct.pack("<I", size)
            break
        local += 4
    central = out.index(b"PK\x01\x02")
    while True:
        central = out.index(b"PK\x01\x02", central)
        if out[central + 46 : central + 46 + len(name)] == name:
            out[central + 24 : central + 28] = struct.pack("<I", size)
            break
        central += 4
    return bytes(out)


def test_zip_with_mixed_files_expands_to_audio_and_reasons():
    items, skipped = expand([("mixed.zip", _mixed_zip()), ("not really.zip", b"PK\x03\x04 broken"), ("plain.wav", b"x")])
    names = [i.name for i in items]
    assert names == ["mixed.zip/take 1.wav", "mixed.zip/folder/日本語 <b>x</b>.mp3", "mixed.zip/../../escape.wav",
                     "mixed.zip/broken.wav", "mixed.zip/silence.wav", "plain.wav"]
    reasons = {r.file: r.error for r in skipped}
    assert "not an audio file type" in reasons["mixed.zip/notes.txt"]
    assert "not an audio file type" in reasons["mixed.zip/nested.zip"]
    assert "cannot unpack it" in reasons["mixed.zip/zeros.wav"]  # declared 1000 bytes, holds 200,000
    assert "not a readable zip archive" in reasons["not really.zip"]
    assert all(isinstance(i, BatchItem) for i in items)
    _, limited = expand([("mixed.zip", _mixed_zip())], max_files=1)
    assert sum("more than 1 files" in r.error for r in limited) == 5
    _, small = expand([("mixed.zip", _mixed_zip())], max_unpacked_bytes=100_000)
    assert any("unpacks to more than" in r.error for r in small)


def test_batch_page_with_a_mixed_zip(analyze):
    at = analyze
    at.switch_page("pages/batch.py").run()
    assert not at.exception
    good = BY_NAME["good.wav"].data
    at.main.file_uploader[0].set_value([("**a** $b$.wav", good, "audio/wav"), ("mixed.zip", _mixed_zip(), "application/zip")]).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Classified"] == "4" and metrics["Could not be used"] == "5"
    table = at.dataframe[0].value
    assert list(table["file"])[:2] == ["**a** $b$.wav", "mixed.zip/take 1.wav"]
    listed = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert f"- **{escape_markdown('mixed.zip/broken.wav')}**: " in "".join(listed)
    at.switch_page("pages/analyze.py").run()
    assert not at.exception


# --- Tampered and missing model files ----------------------------------------------------------


@pytest.fixture()
def tampered_models(tmp_path, monkeypatch) -> Path:
    from ser.models.artifacts import default_model_name, models_dir

    name = default_model_name()
    root = tmp_path / "models"
    copy = root / f"{name}_tampered"  # its own name: the app caches loaded models by name
    import shutil

    shutil.copytree(models_dir() / name, copy)
    weights = sorted(p for p in copy.iterdir() if p.suffix in {".keras", ".pkl"})[0]
    with open(weights, "r+b") as handle:
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x01]))
    (root / "DEFAULT").write_text(copy.name + "\n")
    monkeypatch.setenv("SER_MODELS", str(root))
    return copy


def test_tampered_model_is_refused_by_ser_predict(tampered_models, tmp_path, capsys):
    clip = testing.write_audio(tmp_path / "clip.wav", testing.speech_like(2.0, seed=3))
    assert main(["predict", "--json", str(clip)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.startswith("ser: ") and "modified after training" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    for weights in tampered_models.glob("model*.*"):
        weights.unlink()
    assert main(["predict", str(clip)]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_tampered_model_is_refused_by_the_analyze_page(tampered_models):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    [t for t in at.sidebar.toggle if t.label == "Transcribe speech"][0].set_value(False).run()
    at.radio[0].set_value("Upload").run()
    _upload(at, "clip.wav", testing.wav_bytes(testing.speech_like(2.0, seed=3)))
    assert not at.exception
    assert len(at.error) == 1 and "modified after training" in at.error[0].value
    assert "Duration" in {m.label for m in at.metric}  # the quality report is still shown


def test_csv_downloads_do_not_run_names_as_formulas():
    """A file called '=HYPERLINK(...).wav' must not become a live formula in a spreadsheet."""
    import csv

    from ser.analysis.batch import to_csv
    from ser.analysis.result import Prediction

    names = ['=HYPERLINK("http://x.example","click").wav', "+1.wav", "-2.wav", "@SUM(A1).wav", "\tTab.wav", "plain-name.wav"]
    rows = [Prediction(n, probabilities={"neutral": 0.7, "angry": 0.3}, duration_s=1.0) for n in names] + [
        Prediction.failed("=1+1.wav", "=1+1.wav is empty (0 bytes).")]
    table = list(csv.DictReader(io.StringIO(to_csv(rows, ["neutral", "angry"]))))
    assert [r["file"] for r in table] == ["'" + n for n in names[:5]] + ["plain-name.wav", "'=1+1.wav"]
    assert table[-1]["error"] == "'=1+1.wav is empty (0 bytes)."
    assert table[0]["neutral"] == "0.7"  # numbers stay numbers
