"""Finished evaluation splits, kept on disk: a long ``ser train`` or ``ser evaluate`` that is stopped
(a cut session, Ctrl-C, a reboot) loses only the split it was fitting; run the same command again and
it takes up where it stopped.

A split's entry is keyed on everything its result depends on: the recipe (``ModelSpec.to_dict``), the
rows (corpus, speaker, emotion, and each file's name and content, as the feature cache keys them), the
classes, the protocol, the split's train and test indices, the library versions and the code that fits
and scores (``FITTING_CODE``, comments and docstrings aside). Anything else changed gives a new key, so
a stale result is never reused, except under the code listed in ``EQUIVALENT_CODE``: earlier versions a
test proved to give the same results, bit for bit. Entries live in ``$SER_SPLITS``, else ``$SER_CACHE/splits``
(``~/.cache/ser/splits``); deleting that folder recomputes everything.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ser.data.corpora import Row

FORMAT = 1  # bump when what a split returns changes shape or meaning


def cache_dir() -> Path:
    if os.environ.get("SER_SPLITS"):
        return Path(os.environ["SER_SPLITS"])
    from ser.models.inputs import cache_dir as features_dir

    return features_dir().parent / "splits"  # beside the feature cache: $SER_CACHE or ~/.cache/ser


# The modules a split's result depends on; comments and docstrings do not count (code_digest).
FITTING_CODE = ("models/training.py", "models/architectures.py", "models/speaker_norm.py", "models/temperature.py",
                "models/inputs.py", "evaluation/evaluate.py", "evaluation/metrics.py")


# Digests of earlier versions of FITTING_CODE that give the same results as today's code, bit for bit (a
# test proves it): the splits they stored still count. Each says what changed since, and the test.
EQUIVALENT_CODE: dict[str, str] = {
    "9e81073e8cce114f77e679b25c22ce0c9209b307549312e9fbde35783a18e289":
        "frame matrices padded batch by batch as drawn (training.training_batches), not all at once: "
        "tests/models/test_training.py::test_batches_padded_as_drawn_fit_the_same_weights",
    "68c7f0f7fa78a28e330f09e587e0abe3ed3e353a235a91f4ffabe8364c4ec1fe":
        "InputSpec gained whisper_peak (levelled log-mel), unset by default and then left out of the spec's "
        "keys, the input computed as before: tests/audio/test_whisper_layers.py::test_layers_input_without_a_peak_is_what_it_was",
}


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of the code that fits and scores a split (``FITTING_CODE``), without its comments and docstrings,
    so editing the words around it keeps what was stored."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in FITTING_CODE:
        tree = ast.parse((root / name).read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        h.update(name.encode() + b"|" + ast.unparse(tree).encode())
    return h.hexdigest()


def rows_digest(rows: Sequence[Row]) -> str:
    """One hash of the rows: each file's corpus, speaker and emotion, and its name and content as the
    feature cache keys it (``ser.models.inputs.file_key``), so a corpus copied again keeps its splits."""
    from ser.models.inputs import file_key

    h = hashlib.sha256()
    for r in rows:
        try:
            content = file_key(r.path)
        except OSError:
            content = f"missing:{os.path.abspath(r.path)}"
        h.update(f"{content}|{r.dataset}|{r.speaker}|{r.emotion}\n".encode())
    return h.hexdigest()


def split_key(spec: dict[str, Any], rows: str, labels: Sequence[str], protocol: str, train: np.ndarray, test: np.ndarray,
              versions: dict[str, str], code: str | None = None) -> str:
    """The cache key of one split (``spec``: ``ModelSpec.to_dict()``, ``rows``: ``rows_digest``; ``code``: a
    ``code_digest``, today's by default)."""
    h = hashlib.sha256()
    head = {"format": FORMAT, "spec": spec, "rows": rows, "labels": list(labels), "protocol": protocol, "versions": versions,
            "code": code or code_digest()}
    h.update(json.dumps(head, sort_keys=True).encode())
    h.update(np.asarray(train, dtype=np.int64).tobytes())
    h.update(b"|")
    h.update(np.asarray(test, dtype=np.int64).tobytes())
    return h.hexdigest()[:32]


def split_keys(spec: dict[str, Any], rows: str, labels: Sequence[str], protocol: str, train: np.ndarray, test: np.ndarray,
               versions: dict[str, str]) -> list[str]:
    """The split's key under today's code (store under this one), then under each ``EQUIVALENT_CODE``."""
    return [split_key(spec, rows, labels, protocol, train, test, versions, code) for code in (code_digest(), *EQUIVALENT_CODE)]


def load_first(keys: Sequence[str]) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict] | None:
    """The first of ``keys`` that is stored (``load``), or None."""
    for key in keys:
        stored = load(key)
        if stored is not None:
            return stored
    return None


def load(key: str) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict] | None:
    """(results, history) of a finished split, or None (never stored, or unreadable)."""
    arrays, meta = cache_dir() / f"{key}.npz", cache_dir() / f"{key}.json"
    try:
        history = json.loads(meta.read_text())
        with np.load(arrays) as data:
            results = {v: (data[f"{v}__y"], data[f"{v}__p"]) for v in history.pop("_variants")}
    except (OSError, ValueError, KeyError):
        return None
    return results, history


def save(key: str, results: dict[str, tuple[np.ndarray, np.ndarray]], history: dict) -> None:
    """Store a finished split (arrays first, the JSON last: a split counts as stored once its JSON exists)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for variant, (y_true, proba) in results.items():
        arrays[f"{variant}__y"], arrays[f"{variant}__p"] = np.asarray(y_true), np.asarray(proba)
    tmp = folder / f"{key}.tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, folder / f"{key}.npz")
    text = json.dumps({**history, "_variants": list(results)})
    tmp_json = folder / f"{key}.json.tmp"
    tmp_json.write_text(text)
    os.replace(tmp_json, folder / f"{key}.json")
