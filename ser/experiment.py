"""``ser train`` and ``ser evaluate`` end to end: corpora → features → protocols → final fits → models/<name>/."""

from __future__ import annotations

import hashlib
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ser.artifacts import library_versions, read_json, save_model, verify, write_json
from ser.corpora import CorpusScan, Row, apply_labels, load_corpus
from ser.errors import CorpusError
from ser.evaluation import PROTOCOLS, available_protocols, evaluate
from ser.inputs import compute_many
from ser.labels import EMOTIONS, LabelSet
from ser.training import ModelSpec, fit

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_rows(sources: Sequence[str | Path], label_set: LabelSet) -> tuple[list[Row], dict]:
    """Rows of every source (manifest or folder) after the label set, and a summary for meta.json."""
    rows: list[Row] = []
    problems = 0
    manifests = {}
    for source in sources:
        scan: CorpusScan = apply_labels(load_corpus(source), label_set)
        rows += scan.rows
        problems += len(scan.problems)
        manifest = Path(source) if Path(source).is_file() else Path(source) / "MANIFEST.csv"
        if manifest.is_file():
            manifests[str(source)] = hashlib.sha256(manifest.read_bytes()).hexdigest()
    if not rows:
        raise CorpusError("No usable labelled clips in " + ", ".join(map(str, sources)))
    rows = [Row(r.path, r.dataset, r.speaker, label_set.apply(r.emotion) or r.emotion, r.gender, r.intensity) for r in rows]
    canonical = "\n".join(sorted(f"{r.dataset},{r.speaker},{r.emotion},{Path(r.path).name}" for r in rows))
    summary = {
        "sources": [str(s) for s in sources],
        "manifest_sha256": manifests,
        "rows_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "clips": len(rows),
        "problems": problems,
        "speakers": len({r.speaker for r in rows}),
        "per_dataset": dict(Counter(r.dataset for r in rows)),
        "per_emotion": {e: n for e in EMOTIONS for k, n in Counter(r.emotion for r in rows).items() if k == e},
        "label_set": label_set.to_dict(),
    }
    return rows, summary


def labels_of(rows: Sequence[Row]) -> tuple[str, ...]:
    present = {r.emotion for r in rows}
    return tuple(e for e in EMOTIONS if e in present)


def train(
    spec: ModelSpec,
    sources: Sequence[str | Path],
    out_dir: Path,
    *,
    label_set: LabelSet = LabelSet(),
    protocols: Sequence[str] | None = None,
    command: str = "",
    log: Log = _stderr,
) -> Path:
    """Evaluate ``spec`` under the protocols, then fit it on all data and write ``out_dir``."""
    started = time.perf_counter()
    rows, data_summary = load_rows(sources, label_set)
    log(f"{len(rows)} clips, {data_summary['speakers']} speakers: {data_summary['per_dataset']}")
    features = compute_many(spec.input, [r.path for r in rows])
    protocols = available_protocols(rows) if protocols is None else list(protocols)
    results = evaluate(spec, rows, features, label_set, protocols, log=log) if protocols else {"metrics": {}, "confusion": {}, "history": {}}
    labels = labels_of(rows)
    y = np.array([labels.index(r.emotion) for r in rows])
    speakers = [r.speaker for r in rows]
    log(f"final fit on all {len(rows)} clips ({len(labels)} classes)")
    final = {
        "plain": fit(spec, features, y, speakers, labels, calibrated=False),
        "calibrated": fit(spec, features, y, speakers, labels, calibrated=True),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    results["history"]["final"] = {v: {"history": f.history, "temperature": f.temperature} for v, f in final.items()}
    meta = {
        "training_data": data_summary,
        "command": command,
        "seed": spec.seed,
        "versions": library_versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "train_seconds": round(time.perf_counter() - started, 1),
        "parameters": _parameters(final["plain"]),
    }
    save_model(out_dir, final, meta)
    write_json(out_dir / "history.json", results["history"])
    write_json(out_dir / "metrics.json", results["metrics"])
    write_json(out_dir / "confusion.json", results["confusion"])
    log(f"wrote {out_dir} in {meta['train_seconds']:.0f} s")
    return out_dir


def reevaluate(folder: Path, sources: Sequence[str | Path], protocols: Sequence[str] | None = None, log: Log = _stderr) -> dict:
    """Re-run the protocols for an existing model's recipe and update its metrics, confusion and history."""
    meta = verify(folder)
    spec = ModelSpec.from_dict(meta["spec"])
    label_set = LabelSet.from_dict(meta["training_data"]["label_set"])
    rows, _ = load_rows(sources, label_set)
    features = compute_many(spec.input, [r.path for r in rows])
    protocols = available_protocols(rows) if protocols is None else list(protocols)
    results = evaluate(spec, rows, features, label_set, protocols, log=log)
    for name in ("metrics", "confusion", "history"):
        path = folder / f"{name}.json"
        stored = read_json(path) if path.is_file() else {}
        stored.update(results[name])
        write_json(path, stored)
    return results["metrics"]


def comparison_table(folders: Sequence[Path]) -> str:
    """Markdown table of every model's stored speaker-independent figures."""
    head = ["model", "params", "RAVDESS 8-class acc", "UAR", "ECE", "+ calib. 10 clips", "TESS LOSO acc", "R→T UAR", "T→R UAR"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for folder in folders:
        meta = read_json(folder / "meta.json")
        metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").is_file() else {}

        def figure(protocol: str, variant: str, key: str) -> str:
            try:
                value = metrics[protocol]["variants"][variant]["mean"][key]["mean"]
            except KeyError:
                return "–"
            return f"{value:.3f}" if key == "ece" else f"{100 * value:.1f} %"

        lines.append("| " + " | ".join([
            meta["name"],
            f"{meta.get('parameters', 0):,}",
            figure("ravdess_6fold", "none", "accuracy"),
            figure("ravdess_6fold", "none", "uar"),
            figure("ravdess_6fold", "none", "ece"),
            figure("ravdess_6fold", "baseline_10", "accuracy"),
            figure("tess_loso", "none", "accuracy"),
            figure("ravdess_to_tess", "none", "uar"),
            figure("tess_to_ravdess", "none", "uar"),
        ]) + " |")
    return "\n".join(lines)


def _parameters(fitted) -> int:
    if fitted.spec.is_keras:
        return int(fitted.model.count_params())
    clf = fitted.model[-1]
    if hasattr(clf, "support_vectors_"):
        return int(clf.support_vectors_.size + clf.dual_coef_.size)
    if hasattr(clf, "estimators_"):
        return int(sum(t.tree_.node_count for t in clf.estimators_))
    return 0


__all__ = ["train", "reevaluate", "comparison_table", "load_rows", "PROTOCOLS"]
