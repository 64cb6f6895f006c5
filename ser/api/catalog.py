"""``GET /v1/models``: the installed models with the speaker-independent figures they stored when evaluated.

Read from each model's ``meta.json`` and ``metrics.json`` (``ser.evaluation.protocols`` looks the
figures up, as ``ser models`` and the Compare models page do); nothing is loaded or recomputed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ser.evaluation import protocols
from ser.models.artifacts import ModelError, default_model_name, list_models, models_dir, read_json

FIGURES = ("accuracy", "uar", "macro_f1")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def model_entry(folder: Path, default: str | None) -> dict[str, Any]:
    """One model: name, labels, size, and per stored protocol its fold-mean figures (no speaker
    normalisation; ECE over all folds pooled)."""
    meta = read_json(folder / "meta.json")
    metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").is_file() else {}
    evaluations = {}
    for name, protocol in protocols.PROTOCOLS.items():
        if protocols.stored_variant(metrics, name, "none") is None:
            continue
        figures = {key: _round(protocols.figure(metrics, name, "none", key)) for key in FIGURES}
        evaluations[name] = {
            "title": protocol.title,
            **figures,
            "ece": _round(protocols.figure(metrics, name, "none", "ece", "pooled")),
            "chance": _round(protocols.stored_chance(metrics, name)),
        }
    latency = meta.get("latency_ms_3s")
    return {
        "name": folder.name,
        "default": folder.name == default,
        "labels": list(meta.get("labels", [])),
        "architecture": meta.get("spec", {}).get("architecture"),
        "trained_on": list((meta.get("training_data") or {}).get("per_dataset") or {}),
        "parameters": meta.get("parameters"),
        "size_mb": meta.get("size_mb"),
        "latency_ms_3s": latency.get("median") if isinstance(latency, dict) else None,
        "headline": {"protocol": protocols.HEADLINE_PROTOCOL, "uar": _round(protocols.headline(metrics, "uar"))},
        "evaluations": evaluations,
    }


def installed_models(default: str | None = None) -> dict[str, Any]:
    """Every installed model (``models/`` or ``$SER_MODELS``), the default one (``default``, else
    ``models/DEFAULT``) first."""
    if default is None:
        try:
            default = default_model_name()
        except ModelError:
            default = None
    entries = []
    for name in list_models():
        try:
            entries.append(model_entry(models_dir() / name, default))
        except ModelError as exc:  # a damaged folder is listed with its problem, not hidden
            entries.append({"name": name, "default": name == default, "problem": exc.message})
    entries.sort(key=lambda e: (not e["default"], e["name"]))
    return {"default": default, "models": entries}
