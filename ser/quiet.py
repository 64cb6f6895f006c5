"""TensorFlow without its noise: the one place that imports it for ``ser`` (CLI, app, any server).

Importing TensorFlow 2.21 prints, through absl before logging is initialised, "All log messages
before absl::InitializeLog() is called are written to STDERR", oneDNN and "Could not find cuda
drivers" notes (twice: TensorFlow and XLA each load them), and on first use "failed call to
cuInit". None of it is for a person running ``ser predict``. :func:`tensorflow` sets the log
levels before the import (a value the user set wins) and, during the import only, sends the
process's native stderr (file descriptor 2) to /dev/null; Python errors still surface, after it
is restored.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

TF_LOG_LEVEL = "3"  # TensorFlow's C++ logs: 0 all, 1 no INFO, 2 no WARNING, 3 no ERROR either
_lock = threading.Lock()


def tensorflow() -> ModuleType:
    """``import tensorflow``, silently (see the module's docstring)."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)
    with _lock, native_stderr_silenced():
        import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    return tf


def keras() -> ModuleType:
    """``import keras`` (its TensorFlow backend imported quietly first)."""
    tensorflow()
    import keras as k

    return k


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 goes to /dev/null inside the block (C++ libraries write there directly)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured by a test): nothing to hide
        fd = 2
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
