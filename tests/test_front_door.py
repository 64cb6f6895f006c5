"""``import ser``: cheap (no TensorFlow, scikit-learn or Whisper), and every public name resolves to its home module."""

from __future__ import annotations

import importlib
import subprocess
import sys

import ser


def test_import_ser_loads_no_heavy_library():
    code = ("import sys, ser; heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'tensorflow', 'keras', 'sklearn', 'faster_whisper', 'ctranslate2', 'librosa', 'streamlit'}); print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_is_the_one_in_its_module():
    for name, module in ser._EXPORTS.items():
        assert getattr(ser, name) is getattr(importlib.import_module(module), name), name
    assert set(ser.__all__) == {"__version__", *ser._EXPORTS}


def test_an_unknown_name_is_an_attribute_error():
    try:
        ser.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
