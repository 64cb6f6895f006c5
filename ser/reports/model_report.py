"""What the Compare models page shows, read from ``models/<name>/`` and shaped for tables and charts.

Nothing is recomputed: every figure comes from a model's stored ``meta.json``, ``metrics.json``,
``confusion.json`` and ``history.json`` (see ``ser.models.artifacts``). A model folder may lack some
of them, or some protocols (a model evaluated on RAVDESS only, one still being written): the
missing parts become ``None`` / empty tables and a note in ``ModelReport.problems``, never an
exception. Only speaker-independent protocols exist (``ser.evaluation.evaluate``), so nothing here can
show a figure from a speaker-dependent split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ser.data.sources import SOURCES, corpus_title
from ser.evaluation import protocols as vocabulary
from ser.evaluation.protocols import HEADLINE_PROTOCOL, PROTOCOLS, VARIANTS, chance, variant_name
from ser.models.artifacts import PLAIN, SPEAKER_NORM, ModelError, models_dir, read_json

HISTORY_VARIANTS: dict[str, str] = {PLAIN: "plain model", SPEAKER_NORM: "model trained with speaker normalisation"}
FINAL = "final"  # history.json key of the fits on all data (the shipped weights)

ARCHITECTURES: dict[str, str] = {
    "whisper_head": (
        "Small Keras head over Whisper tiny.en encoder frames: input dropout, a per-frame dense layer, masked attention "
        "and mean/std pooling, batch normalisation, dropout and L2, then logits."
    ),
    "cnn": "2-D CNN over the frames × features matrix (Conv2D + BN + ReLU + max-pool + dropout blocks), masked average over time, dense, logits.",
    "lstm": "Masked stacked LSTMs, then dense + batch-norm + ReLU + dropout blocks, then logits.",
    "cnn_lstm": "Conv1D front end over time, an LSTM on the pooled and masked frames, a dense layer and logits.",
    "cnn_bilstm_attention": "Conv1D front end, BiLSTM, BiGRU, masked additive attention pooling, dense, logits.",
    "layer_head": (
        "Keras head over every hidden state of Whisper base's encoder (the convolutional front end and its 6 layers, each "
        "as mean and std over time): per-value standardisation, input dropout, then the states combined (concatenated or "
        "a learnt softmax weighting) and one L2-regularised layer to the logits."
    ),
    "svm": "Standard scaling + RBF support-vector machine with balanced class weights; its decision values act as logits.",
    "random_forest": "Standard scaling + random forest with balanced class weights.",
}
FEATURE_KINDS: dict[str, str] = {
    "mfcc": "MFCC",
    "log_mel": "log-mel",
    "chroma": "chroma",
    "centroid": "spectral centroid",
    "zcr": "zero-crossing rate",
    "rms": "RMS",
}


@dataclass(frozen=True)
class ModelReport:
    """One installed model's stored files (each ``{}`` when missing) and what could not be read."""

    name: str
    folder: Path
    meta: dict[str, Any]
    metrics: dict[str, Any]
    confusion: dict[str, Any]
    history: dict[str, Any]
    is_default: bool = False
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name, with ★ for the default model."""
        return f"{self.name} ★" if self.is_default else self.name

    @property
    def architecture(self) -> str:
        return str(self.meta.get("spec", {}).get("architecture", "unknown"))


@dataclass(frozen=True)
class Confusion:
    """A confusion matrix: rows are true classes, columns predicted ones."""

    labels: tuple[str, ...]
    counts: np.ndarray
    scope: str  # "all folds summed" or "fold 2: ravdess_05 … ravdess_08"


@dataclass(frozen=True)
class Curves:
    """One fit's per-epoch training history (a classic model has one point per series)."""

    title: str
    series: dict[str, list[float]] = field(default_factory=dict)  # loss, val_loss, accuracy, val_accuracy

    @property
    def epochs(self) -> int:
        return max((len(v) for v in self.series.values()), default=0)


def models_signature(root: Path | None = None) -> tuple[tuple[str, float], ...]:
    """(file, mtime) of every model JSON file and DEFAULT: changes whenever a model is added or rewritten."""
    root = root or models_dir()
    if not root.is_dir():
        return ()
    files = [root / "DEFAULT", *sorted(root.glob("*/*.json"))]
    return tuple((str(p.relative_to(root)), p.stat().st_mtime) for p in files if p.is_file())


def _optional_json(folder: Path, name: str, problems: list[str]) -> dict[str, Any]:
    path = folder / name
    if not path.is_file():
        problems.append(f"{folder.name}: {name} is missing, so what it holds is not shown.")
        return {}
    try:
        data = read_json(path)
    except ModelError as exc:
        problems.append(exc.message)
        return {}
    if not isinstance(data, dict):
        problems.append(f"{folder.name}: {name} does not hold a JSON object; it is ignored.")
        return {}
    return data


def load_report(folder: Path, default: str | None = None) -> ModelReport:
    """One model folder; ``ModelError`` only when its meta.json cannot be read."""
    meta = read_json(folder / "meta.json")
    if not isinstance(meta, dict):
        raise ModelError(f"{folder.name}: meta.json does not hold a JSON object.")
    problems: list[str] = []
    parts = {key: _optional_json(folder, f"{key}.json", problems) for key in ("metrics", "confusion", "history")}
    name = str(meta.get("name") or folder.name)
    return ModelReport(name, folder, meta, parts["metrics"], parts["confusion"], parts["history"],
                       is_default=folder.name == default, problems=tuple(problems))


def load_reports(root: Path | None = None) -> tuple[list[ModelReport], list[str]]:
    """Every installed model (default first, then by name) and messages about folders that could not be read.

    The default is the model named in ``DEFAULT``, else the first by name (as ``ser.models.artifacts`` decides).
    """
    root = root or models_dir()
    if not root.is_dir():
        return [], []
    names = sorted(p.name for p in root.iterdir() if (p / "meta.json").is_file())
    marker = root / "DEFAULT"
    default = marker.read_text().strip() if marker.is_file() else (names[0] if names else None)
    reports, problems = [], []
    for name in names:
        try:
            reports.append(load_report(root / name, default))
        except ModelError as exc:
            problems.append(exc.message)
    reports.sort(key=lambda r: (not r.is_default, r.name))
    return reports, problems


# --------------------------------------------------------------------------- protocols


def protocols(reports: Sequence[ModelReport]) -> list[str]:
    """Protocols any model was evaluated under, in the usual order (known ones first)."""
    seen = {p for r in reports for p in r.metrics}
    return [p for p in PROTOCOLS if p in seen] + sorted(seen - set(PROTOCOLS))


def protocol_labels(reports: Sequence[ModelReport], protocol: str) -> tuple[str, ...]:
    """The classes a protocol scores (from the first model that has it)."""
    for r in reports:
        labels = r.metrics.get(protocol, {}).get("labels") or r.confusion.get(protocol, {}).get("labels")
        if labels:
            return tuple(labels)
    return ()


def protocol_title(reports: Sequence[ModelReport], protocol: str) -> str:
    if protocol in PROTOCOLS:
        return PROTOCOLS[protocol].short_title
    for r in reports:
        title = r.metrics.get(protocol, {}).get("title")
        if title:
            return str(title)
    return protocol


def protocol_description(reports: Sequence[ModelReport], protocol: str) -> str:
    """What a protocol means, with its classes and chance level."""
    labels = protocol_labels(reports, protocol)
    meaning = (PROTOCOLS[protocol].meaning if protocol in PROTOCOLS else None) or next(
        (str(r.metrics[protocol]["title"]) for r in reports if r.metrics.get(protocol, {}).get("title")), protocol)
    level = protocol_chance(reports, protocol)
    if _has_fold_labels(reports, protocol):
        return meaning + (f" Chance, averaged over the corpora: {100 * level:.1f} %." if level else "")
    classes = f" {len(labels)} classes ({', '.join(labels)}); chance {100 * level:.1f} %." if level else ""
    return meaning + classes


def _has_fold_labels(reports: Sequence[ModelReport], protocol: str) -> bool:
    return any(r.confusion.get(protocol, {}).get("fold_labels") for r in reports)


def protocol_chance(reports: Sequence[ModelReport], protocol: str) -> float | None:
    """Chance level of a protocol: stored with it when its folds are scored on different classes
    (leave one corpus out: the mean over corpora), else 1 / number of classes."""
    for r in reports:
        stored = r.metrics.get(protocol, {}).get("chance")
        if stored is not None:
            return float(stored)
    return chance(protocol_labels(reports, protocol))


def variants(reports: Sequence[ModelReport], protocol: str) -> list[str]:
    """Scoring variants (none, speaker normalisation with K clips) stored for a protocol."""
    seen: list[str] = []
    for r in reports:
        for v in r.metrics.get(protocol, {}).get("variants", {}):
            if v not in seen:
                seen.append(v)
    order = list(VARIANTS)
    return sorted(seen, key=lambda v: (order.index(v) if v in order else len(order), v))


def figure(report: ModelReport, protocol: str, variant: str, key: str, how: str = "mean") -> float | None:
    """A stored figure: the fold mean (``how="mean"``), its spread (``"std"``) or over all folds pooled (``"pooled"``)."""
    return vocabulary.figure(report.metrics, protocol, variant, key, how)


# --------------------------------------------------------------------------- tables


def _pct(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


# The columns each table shows at first (the rest on demand): what fits 1400 px without scrolling sideways.
OVERVIEW_COMPACT = ("model", "trained on", "parameters", "3 s clip (ms)", "LOCO UAR", "RAVDESS acc", "R→T UAR", "T→R UAR")
PROTOCOL_COMPACT = ("model", "folds", "accuracy", "± acc", "UAR", "± UAR", "macro-F1", "ECE (pooled)")
# The new-voice columns are what the app's probabilities use (temperature × factor), so they are shown by default.
CALIBRATION_COMPACT = ("model", "temperature", "new-voice factor", "ECE (pooled)", "ECE, new-voice T (pooled)", "acc (none)",
                       "acc (norm. 3 clips)", "acc (norm. 10 clips)")


def compact_columns(table: pd.DataFrame, wanted: Sequence[str]) -> list[str]:
    """The ``wanted`` columns that ``table`` has, in its order; all of them when it has none of those (an unknown layout)."""
    chosen = [c for c in table.columns if c in wanted]
    return chosen if len(chosen) > 1 else list(table.columns)


def overview_table(reports: Sequence[ModelReport]) -> pd.DataFrame:
    """One row per model: size, speed and the headline speaker-independent figures (percentages as 0–100)."""
    rows = []
    for r in reports:
        latency = r.meta.get("latency_ms_3s") or {}
        seconds = r.meta.get("train_seconds")
        rows.append({
            "model": r.label,
            "trained on": trained_on(r.meta),
            "architecture": r.architecture,
            "input": input_summary(r.meta, short=True),
            "parameters": r.meta.get("parameters"),
            "size (MB)": r.meta.get("size_mb"),
            "3 s clip (ms)": latency.get("median"),
            "LOCO UAR": _pct(figure(r, "loco", "none", "uar")),
            "RAVDESS acc": _pct(figure(r, HEADLINE_PROTOCOL, "none", "accuracy")),
            "RAVDESS UAR": _pct(figure(r, HEADLINE_PROTOCOL, "none", "uar")),
            "RAVDESS macro-F1": _pct(figure(r, HEADLINE_PROTOCOL, "none", "macro_f1")),
            "ECE (pooled)": figure(r, HEADLINE_PROTOCOL, "none", "ece", "pooled"),
            "+ norm. 10 clips acc": _pct(figure(r, HEADLINE_PROTOCOL, variant_name(10), "accuracy")),
            "TESS LOSO acc": _pct(figure(r, "tess_loso", "none", "accuracy")),
            "R→T UAR": _pct(figure(r, "ravdess_to_tess", "none", "uar")),
            "T→R UAR": _pct(figure(r, "tess_to_ravdess", "none", "uar")),
            "training (min)": None if seconds is None else round(float(seconds) / 60, 1),
        })
    return pd.DataFrame(rows)


def protocol_table(reports: Sequence[ModelReport], protocol: str, variant: str = "none") -> pd.DataFrame:
    """One row per model evaluated under ``protocol``: fold means ± std, pooled ECE/NLL and per-class F1 (pooled)."""
    labels = protocol_labels(reports, protocol)
    rows = []
    for r in reports:
        stored = vocabulary.stored_variant(r.metrics, protocol, variant)
        if stored is None:
            continue
        folds = r.metrics[protocol].get("folds", [])
        pooled = stored.get("pooled", {})
        row: dict[str, Any] = {
            "model": r.label,
            "folds": len(folds) or len(stored.get("per_fold", [])),
            "test clips": pooled.get("n"),
            "accuracy": _pct(figure(r, protocol, variant, "accuracy")),
            "± acc": _pct(figure(r, protocol, variant, "accuracy", "std")),
            "UAR": _pct(figure(r, protocol, variant, "uar")),
            "± UAR": _pct(figure(r, protocol, variant, "uar", "std")),
            "macro-F1": _pct(figure(r, protocol, variant, "macro_f1")),
            "ECE (pooled)": figure(r, protocol, variant, "ece", "pooled"),
            "ECE (fold mean)": figure(r, protocol, variant, "ece"),
            "NLL (pooled)": figure(r, protocol, variant, "nll", "pooled"),
        }
        per_class = pooled.get("per_class", {})
        for label in labels:
            f1 = (per_class.get(label) or {}).get("f1")
            row[f"F1 {label}"] = _pct(f1)
        rows.append(row)
    return pd.DataFrame(rows)


def calibration_table(reports: Sequence[ModelReport], protocol: str) -> pd.DataFrame:
    """Probability calibration (temperature, pooled ECE and NLL) and speaker normalisation (accuracy/UAR per variant)."""
    names = variants(reports, protocol)
    rows = []
    for r in reports:
        if protocol not in r.metrics:
            continue
        final = r.history.get(FINAL, {}).get("plain", {}) if isinstance(r.history.get(FINAL), dict) else {}
        temperature = final.get("temperature") if isinstance(final, dict) else None
        if temperature is None:
            temperature = (r.meta.get("variants", {}).get("plain") or {}).get("temperature")
        factor = (r.meta.get("variants", {}).get("plain") or {}).get("new_voice_factor")
        row: dict[str, Any] = {
            "model": r.label,
            "temperature": None if temperature is None else float(temperature),
            "ECE (pooled)": figure(r, protocol, "none", "ece", "pooled"),
            "NLL (pooled)": figure(r, protocol, "none", "nll", "pooled"),
            "new-voice factor": None if factor is None else float(factor),
            "ECE, new-voice T (pooled)": figure(r, protocol, "none", "ece", "new_voice"),
        }
        for v in names:
            short = "none" if v == "none" else v.replace("baseline_", "norm. ") + " clips"
            row[f"acc ({short})"] = _pct(figure(r, protocol, v, "accuracy"))
            row[f"UAR ({short})"] = _pct(figure(r, protocol, v, "uar"))
        rows.append(row)
    return pd.DataFrame(rows)


def per_class_f1(reports: Sequence[ModelReport], protocol: str, variant: str = "none") -> tuple[list[str], list[str], np.ndarray]:
    """(model labels, class labels, F1 matrix in %) over all folds pooled; NaN where a class was never seen."""
    labels = list(protocol_labels(reports, protocol))
    models, rows = [], []
    for r in reports:
        stored = vocabulary.stored_variant(r.metrics, protocol, variant)
        if stored is None:
            continue
        per_class = stored.get("pooled", {}).get("per_class", {})
        models.append(r.label)
        rows.append([np.nan if (per_class.get(c) or {}).get("f1") is None else 100 * float(per_class[c]["f1"]) for c in labels])
    return models, labels, np.array(rows, dtype=float).reshape(len(models), len(labels))


def fold_figures(reports: Sequence[ModelReport], protocol: str, variant: str = "none", key: str = "accuracy") -> pd.DataFrame:
    """Long table (model, fold, test speakers, value in %) of a per-fold figure, for spread charts."""
    rows = []
    for r in reports:
        stored = vocabulary.stored_variant(r.metrics, protocol, variant)
        if stored is None:
            continue
        folds = r.metrics[protocol].get("folds", [])
        for i, summary in enumerate(stored.get("per_fold", [])):
            value = summary.get(key) if isinstance(summary, dict) else None
            if value is None:
                continue
            fold = folds[i] if i < len(folds) else {}
            tested = corpus_title(fold["test_corpus"]) if fold.get("test_corpus") else speaker_span(fold.get("test_speakers", []))
            rows.append({"model": r.label, "fold": i + 1, "test speakers": tested, "value": 100 * float(value)})
    return pd.DataFrame(rows, columns=["model", "fold", "test speakers", "value"])


def headline_figures(reports: Sequence[ModelReport], key: str = "uar", variant: str = "none") -> pd.DataFrame:
    """Long table (model, protocol, value in %, chance in %, default) of one figure under every protocol."""
    rows = []
    for protocol in protocols(reports):
        level = protocol_chance(reports, protocol)
        for r in reports:
            value = figure(r, protocol, variant, key)
            if value is not None:
                rows.append({"model": r.label, "protocol": protocol_title(reports, protocol), "value": 100 * value,
                             "chance": None if level is None else 100 * level, "default": r.is_default})
    return pd.DataFrame(rows, columns=["model", "protocol", "value", "chance", "default"])


# --------------------------------------------------------------------------- confusion matrices


def speaker_span(speakers: Sequence[str]) -> str:
    """``ravdess_01 … ravdess_04`` for a run of speakers, the names themselves for one or two."""
    speakers = list(speakers)
    if len(speakers) <= 2:
        return ", ".join(speakers)
    return f"{speakers[0]} … {speakers[-1]} ({len(speakers)} speakers)"


def fold_names(report: ModelReport, protocol: str) -> list[str]:
    """One name per fold of a protocol: ``fold 1: ravdess_01 … ravdess_04 (4 speakers)``."""
    folds = report.metrics.get(protocol, {}).get("folds", [])
    n = len(folds) or max(len(report.history.get(protocol, []) or []),
                          len(report.confusion.get(protocol, {}).get("variants", {}).get("none", {}).get("per_fold", [])))
    names = []
    for i in range(n):
        fold = folds[i] if i < len(folds) else {}
        speakers = fold.get("test_speakers", [])
        if fold.get("test_corpus"):
            names.append(f"fold {i + 1}: held-out corpus {corpus_title(fold['test_corpus'])} ({len(speakers)} speakers)")
        else:
            names.append(f"fold {i + 1}: test {speaker_span(speakers)}" if speakers else f"fold {i + 1}")
    return names


def confusion_matrix(report: ModelReport, protocol: str, variant: str = "none", fold: int | None = None) -> Confusion | None:
    """The stored confusion counts of all folds summed (``fold=None``) or of one fold (0-based); None if absent."""
    stored = report.confusion.get(protocol, {})
    labels = tuple(stored.get("labels", ()))
    fold_labels = stored.get("fold_labels") or []
    if fold is not None and fold < len(fold_labels):  # this fold was scored on its own classes
        labels = tuple(fold_labels[fold])
    entry = stored.get("variants", {}).get(variant)
    if not labels or not isinstance(entry, dict):
        return None
    if fold is None:
        matrix, scope = entry.get("summed"), "all folds summed"
    else:
        per_fold = entry.get("per_fold", [])
        if not 0 <= fold < len(per_fold):
            return None
        names = fold_names(report, protocol)
        matrix, scope = per_fold[fold], names[fold] if fold < len(names) else f"fold {fold + 1}"
    if matrix is None:
        return None
    counts = np.asarray(matrix, dtype=np.int64)
    if counts.shape != (len(labels), len(labels)):
        return None
    return Confusion(labels, counts, scope)


def row_normalise(counts: np.ndarray) -> np.ndarray:
    """Each row divided by its total (recall per true class); rows with no clips stay all zero."""
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


# --------------------------------------------------------------------------- training histories


def history_protocols(report: ModelReport) -> list[str]:
    """Protocols with stored training histories, then ``final`` (the fits on all data) when stored."""
    keys = [k for k in report.history if k != FINAL and isinstance(report.history[k], list)]
    ordered = [p for p in PROTOCOLS if p in keys] + sorted(set(keys) - set(PROTOCOLS))
    return ordered + ([FINAL] if isinstance(report.history.get(FINAL), dict) else [])


def _series(raw: Any) -> dict[str, list[float]]:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        values = raw.get(key)
        if isinstance(values, list) and values:
            out[key] = [float(v) for v in values]
    return out


def training_curves(report: ModelReport, protocol: str, variant: str = "plain") -> list[Curves]:
    """Per-epoch curves of every fold of a protocol (or of the final fit), for the plain or the speaker-normalised model."""
    if protocol == FINAL:
        final = report.history.get(FINAL, {})
        entry = final.get(variant, {}) if isinstance(final, dict) else {}
        series = _series(entry.get("history") if isinstance(entry, dict) else None)
        return [Curves("final fit on all clips", series)] if series else []
    folds = report.history.get(protocol)
    if not isinstance(folds, list):
        return []
    names = fold_names(report, protocol)
    curves = []
    for i, fold in enumerate(folds):
        series = _series(fold.get(variant) if isinstance(fold, dict) else None)
        if series:
            curves.append(Curves(names[i] if i < len(names) else f"fold {i + 1}", series))
    return curves


def best_epoch(curves: Curves) -> int | None:
    """1-based epoch with the lowest validation loss, or None without one."""
    losses = curves.series.get("val_loss")
    return int(np.argmin(losses)) + 1 if losses else None


# --------------------------------------------------------------------------- model cards


def input_summary(meta: dict[str, Any], short: bool = False) -> str:
    """What the model eats, in words, from its stored InputSpec."""
    spec = meta.get("spec", {}).get("input", {})
    config = spec.get("feature_config", {})
    kind = spec.get("kind")
    hop_ms = 1000 * config.get("hop_length", 160) / config.get("sample_rate", 16000)
    if kind == "whisper":
        context = spec.get("whisper_context") or 0
        if short:
            return f"Whisper {spec.get('whisper_model', '')} frames" + (f" ({context:g} s context)" if context else "")
        padded = (f", the clip padded with silence to {context:g} s before encoding and only its own frames kept" if context else
                  ", no padding to 30 s")
        return f"Whisper {spec.get('whisper_model', '')} encoder frames (384 values per 20 ms){padded}."
    if kind == "frames":
        kinds = [FEATURE_KINDS.get(k, k) for k in spec.get("frame_kinds", [])]
        what = " + ".join(kinds)
        if short:
            return f"{what} frames, {hop_ms:g} ms hop"
        max_frames = meta.get("spec", {}).get("max_frames")
        dims = []
        if "log_mel" in spec.get("frame_kinds", []):
            dims.append(f"{config.get('n_mels')} mel bands")
        if "mfcc" in spec.get("frame_kinds", []):
            dims.append(f"{config.get('n_mfcc')} MFCCs" + (" with Δ and Δ²" if config.get("deltas") else ""))
        limit = f"; at most {max_frames} frames ({max_frames * hop_ms / 1000:g} s) per clip" if max_frames else ""
        window_ms = 1000 * config.get("win_length", 400) / config.get("sample_rate", 16000)
        return f"{what} frames ({', '.join(dims)}), {window_ms:g} ms window, {hop_ms:g} ms hop{limit}."
    if kind == "layers":
        peak = spec.get("whisper_peak")
        if short:
            return f"Whisper {spec.get('whisper_model', '')} layers" + (", levelled" if peak is not None else "")
        level = (f" Each 30 s window of audio is first scaled so that its log-mel peaks at {peak:g} (Whisper's scale): a quiet "
                 "or loud microphone gives the same features." if peak is not None else "")
        return (f"Whisper {spec.get('whisper_model', '')} encoder (multilingual), all 7 hidden states (front end + 6 layers), "
                f"each pooled to its mean and std over time: 7 × 1024 = 7168 values per clip; no padding to 30 s.{level}")
    if kind == "stats":
        if short:
            return "utterance statistics"
        whisper = " plus mean and std of the Whisper encoder frames" if spec.get("whisper_stats") else ""
        return (f"Utterance statistics over {hop_ms:g} ms frames: mean and std of {config.get('n_mfcc')} MFCCs"
                f"{' with Δ and Δ²' if config.get('deltas') else ''}, {config.get('n_mels')} log-mel bands and 12 chroma bins; "
                f"mean, std, min and max of spectral centroid, zero-crossing rate and RMS{whisper}.")
    return str(kind or "unknown")


def trained_on(meta: dict[str, Any]) -> str | None:
    """The corpora in a model's training data, short: "RAVDESS + TESS", or "7 corpora" beyond three (None when not stored)."""
    corpora = list((meta.get("training_data") or {}).get("per_dataset") or {})
    if not corpora:
        return None
    if len(corpora) > 3:
        return f"{len(corpora)} corpora"
    return " + ".join(SOURCES[c].title if c in SOURCES else c for c in corpora)


def training_summary(meta: dict[str, Any]) -> str:
    data = meta.get("training_data", {})
    if not data:
        return "not stored"
    per_dataset = ", ".join(f"{d} {n}" for d, n in data.get("per_dataset", {}).items())
    label_set = data.get("label_set", {})
    labels = meta.get("labels", [])
    merge = "calm merged into neutral" if label_set.get("merge_calm") else "calm kept separate"
    spec = meta.get("spec", {})
    held = spec.get("holdout_speakers") or []
    balance = ("; each (corpus, class) pair weighted alike in training" if spec.get("balance") == "corpus_class" else "")
    demo = (f"; the final fit leaves out {len(held)} demo speakers ({', '.join(held)}), whose clips the app offers as "
            "examples the model never heard" if held else "")
    return (f"{data.get('clips', '?')} clips from {data.get('speakers', '?')} speakers ({per_dataset}); "
            f"{len(labels)} classes ({', '.join(labels)}), {merge}{balance}{demo}.")


def _front_end(params: dict[str, Any], meta: dict[str, Any]) -> str:
    """The optional input stages of the frame-level builders, in words."""
    parts = []
    norm = params.get("clip_norm")
    if norm in ("mean", "meanvar"):
        parts.append("each clip's frames normalised to zero mean" + (" and unit variance" if norm == "meanvar" else ""))
    augment = params.get("spec_augment")
    if isinstance(augment, list) and len(augment) == 4:
        parts.append(f"SpecAugment in training ({augment[0]} time masks up to {augment[1]} frames, "
                     f"{augment[2]} frequency masks up to {augment[3]} bins)")
    pool = params.get("time_pool")
    if isinstance(pool, int) and pool > 1:
        config = meta.get("spec", {}).get("input", {}).get("feature_config", {})
        hop_ms = 1000 * config.get("hop_length", 160) / config.get("sample_rate", 16000)
        parts.append(f"frames averaged in groups of {pool} ({pool * hop_ms:g} ms) before the recurrent layers")
    return (" Front end: " + "; ".join(parts) + ".") if parts else ""


def _use_and_limits(report: ModelReport) -> list[tuple[str, str]]:
    """Intended use, limitations (from the stored figures) and the training data's licences."""
    corpora = [c for c in (report.meta.get("training_data", {}).get("per_dataset") or {})]
    known = [SOURCES[c] for c in corpora if c in SOURCES]
    languages = sorted({s.language.split(" (")[0] for s in known})
    acted = [s.title for s in known if s.acted]
    spontaneous = [s.title for s in known if not s.acted]
    limits = [f"trained on {'acted' if not spontaneous else 'mostly acted'} speech ({', '.join(acted)}"
              + (f"; spontaneous: {', '.join(spontaneous)}" if spontaneous else "") + f") in {', '.join(languages)}"]
    loco = figure(report, "loco", "none", "uar")
    if loco is not None:
        chance_level = report.metrics.get("loco", {}).get("chance")
        limits.append(f"on a corpus it never heard (leave one corpus out) it recognises {100 * loco:.0f} % of each emotion on average "
                      + (f"(chance {100 * chance_level:.0f} %)" if chance_level else "") + ": expect many mistakes on a new voice")
    else:
        limits.append("not evaluated on corpora it never heard (no leave-one-corpus-out figures): expect it to do worse on a new voice "
                      "than its figures on its own corpora say")
    factor = (report.meta.get("variants", {}).get("plain") or {}).get("new_voice_factor")
    new_voice_ece = figure(report, "loco", "none", "ece", "new_voice")
    if factor is not None and new_voice_ece is not None:
        limits.append(f"its probabilities are calibrated for voices from elsewhere (temperature × {factor:.2f} from leave one corpus "
                      f"out; ECE there {new_voice_ece:.3f}), so on voices like its training speakers it is under-confident")
    limits.append("one speaker per clip; short clips (a few seconds); emotions as actors portray them, not as people feel them")
    licences = "; ".join(f"{s.title}: {s.licence}" for s in known)
    return [
        ("intended use", "Demonstrating and inspecting speech emotion recognition on short recordings of one voice, for "
                         "research and prototyping. Not for decisions about people."),
        ("limitations", "; ".join(limits) + "."),
        ("training data licences", (licences + ". The model inherits these terms: non-commercial use only without the "
                                    "rights holders' permission.") if licences else "not stored"),
    ]


def model_card(report: ModelReport) -> list[tuple[str, str]]:
    """(field, value) rows describing a model: architecture, input, data, provenance, cost."""
    meta = report.meta
    spec = meta.get("spec", {})
    data = meta.get("training_data", {})
    params = spec.get("params") or {}
    latency = meta.get("latency_ms_3s") or {}
    rows = [
        ("architecture", f"{report.architecture}: {ARCHITECTURES.get(report.architecture, 'no description stored')}{_front_end(params, meta)}"),
        ("hyper-parameters", ", ".join(f"{k}={v}" for k, v in params.items()) or "the recipe's defaults"),
        ("input features", input_summary(meta)),
        ("training data", training_summary(meta)),
    ]
    if spec.get("architecture") not in ("svm", "random_forest"):
        rows.append(("training", f"up to {spec.get('epochs')} epochs, batch {spec.get('batch_size')}, learning rate "
                                 f"{spec.get('learning_rate')}, early stopping on validation loss (patience {spec.get('patience')}), "
                                 f"{100 * float(spec.get('val_fraction', 0)):.0f} % of the training speakers held out for validation"))
    rows += _use_and_limits(report)
    for source, digest in (data.get("manifest_sha256") or {}).items():
        rows.append(("manifest sha256", f"{digest} ({source})"))
    if data.get("rows_sha256"):
        rows.append(("labelled rows sha256", str(data["rows_sha256"])))
    rows += [
        ("command", str(meta.get("command") or "not stored")),
        ("seed", str(meta.get("seed", spec.get("seed", "not stored")))),
        ("trained", str(meta.get("created", "not stored"))),
        ("training time", f"{float(meta['train_seconds']) / 60:.1f} min (all protocols and the final fits)"
         if meta.get("train_seconds") is not None else "not stored"),
        ("peak memory", f"{float(meta['peak_memory_gb']):.1f} GB resident (the process that wrote the model; splits "
                        f"stored by an earlier run not counted)" if meta.get("peak_memory_gb") is not None else "not stored"),
        ("size", f"{meta.get('parameters', 0):,} parameters · {meta.get('size_mb', 0):.1f} MB of weight files"
         if meta.get("parameters") is not None else f"{meta.get('size_mb', '?')} MB"),
        ("3 s clip", f"{latency['median']:.0f} ms median, {latency.get('p95', float('nan')):.0f} ms p95 "
                     f"(features + model + calibration, warm, {latency.get('runs', '?')} runs; decoding excluded)"
         if "median" in latency else "not measured"),
        ("library versions", ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items()) or "not stored"),
    ]
    for file, digest in (meta.get("files") or {}).items():
        rows.append((f"sha256 {file}", str(digest)))
    return rows
