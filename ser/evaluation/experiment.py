"""``ser train`` and ``ser evaluate`` end to end: corpora → features → protocols → final fits → models/<name>/."""

from __future__ import annotations

import hashlib
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ser.data.corpora import CorpusScan, Row, apply_labels, load_corpus
from ser.data.labels import EMOTIONS, LabelSet
from ser.data.sources import corpus_title
from ser.errors import ConfigError, CorpusError
from ser.evaluation import protocols
from ser.evaluation.evaluate import available_protocols, evaluate
from ser.evaluation.protocols import ANY, HEADLINE_PROTOCOL, PROTOCOLS, SPEAKER_NORM_CLIPS, variant_name
from ser.markup import write_between_markers
from ser.models.artifacts import PLAIN, SPEAKER_NORM, library_versions, read_json, save_model, verify, write_json
from ser.models.inputs import compute_many
from ser.models.training import ModelSpec, fit

Log = Callable[[str], None]
# Speakers a tested corpus needs for the schemes that split it by speaker (ser.evaluation.evaluate.plan).
MIN_SPEAKERS = {"groups6": 6, "loso": 2}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def protocol_problem(rows: Sequence[Row], name: str) -> str | None:
    """Why ``rows`` cannot be evaluated under protocol ``name``, in words (None when they can): a corpus it needs
    is missing, or the tested corpus has too few speakers to split by speaker (a small corpus of one's own)."""
    protocol = PROTOCOLS[name]
    has = ", ".join(corpus_title(d) for d in sorted({r.dataset for r in rows})) or "no clips"
    if name not in available_protocols(rows):
        named = [corpus_title(c) for c in dict.fromkeys((protocol.train, protocol.test)) if c != ANY]
        needs = " and ".join(named) + (" clips" if named else "")
        if ANY in (protocol.train, protocol.test):
            needs = f"{needs} and clips of another corpus" if named else "clips of two corpora or more"
        return f"{protocol.title} needs {needs}; the data has {has}."
    need = MIN_SPEAKERS.get(protocol.scheme, 0)
    have = len({r.speaker for r in rows if r.dataset == protocol.test})
    if have < need:
        return f"{protocol.title} needs {need} speakers of {corpus_title(protocol.test)}, and the data has {have}."
    return None


def auto_protocols(rows: Sequence[Row], log: Log = _stderr) -> list[str]:
    """What ``--protocols auto`` runs: every protocol whose corpora are present (``available_protocols``), less those
    whose tested corpus has too few speakers to split by speaker; each of those is said in ``log``."""
    chosen = []
    for name in available_protocols(rows):
        problem = protocol_problem(rows, name)
        if problem:
            log(f"left out: {problem}")
        else:
            chosen.append(name)
    return chosen


def chosen_protocols(rows: Sequence[Row], names: Sequence[str] | None, log: Log = _stderr) -> list[str]:
    """The protocols to run: ``auto_protocols`` when ``names`` is None, else ``names``, each checked against the data
    first (ConfigError saying what is missing, before any feature is computed)."""
    if names is None:
        return auto_protocols(rows, log)
    problems = [p for p in (protocol_problem(rows, n) for n in names) if p]
    if problems:
        raise ConfigError(" ".join(problems))
    return list(names)


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
    label_set: LabelSet | None = None,
    protocols: Sequence[str] | None = None,
    command: str = "",
    log: Log = _stderr,
    progress: bool = False,
) -> Path:
    """Evaluate ``spec`` under the protocols, then fit it on all data and write ``out_dir``.

    ``progress``: per-epoch progress bars of the Keras fits on a terminal (``ser train`` sets it)."""
    started = time.perf_counter()
    label_set = label_set or LabelSet()
    rows, data_summary = load_rows(sources, label_set)
    log(f"{len(rows)} clips, {data_summary['speakers']} speakers: {data_summary['per_dataset']}")
    protocols = chosen_protocols(rows, protocols, log)
    features, augmented = _features(spec, rows)
    results = (
        evaluate(spec, rows, features, label_set, protocols, augmented=augmented, log=log, progress=progress)
        if protocols
        else {"metrics": {}, "confusion": {}, "history": {}, "resumed": {"splits": 0, "seconds": 0.0}}
    )
    resumed = results.pop("resumed")
    labels = labels_of(rows)
    kept = [i for i, r in enumerate(rows) if r.speaker not in spec.holdout_speakers]
    y = np.array([labels.index(rows[i].emotion) for i in kept])
    speakers = [rows[i].speaker for i in kept]
    corpora = [rows[i].dataset for i in kept]
    features = [features[i] for i in kept]
    augmented = [[copy[i] for i in kept] for copy in augmented]
    held = f", {len(rows) - len(kept)} clips of {len(spec.holdout_speakers)} demo speakers held out" if spec.holdout_speakers else ""
    log(f"final fit on {len(kept)} clips ({len(labels)} classes{held})")
    final = {
        PLAIN: fit(spec, features, y, speakers, labels, speaker_norm=False, augmented=augmented, corpora=corpora,
                   progress="final plain" if progress else None),
        SPEAKER_NORM: fit(spec, features, y, speakers, labels, speaker_norm=True, augmented=augmented, corpora=corpora,
                          progress="final speaker-normalised" if progress else None),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    results["history"]["final"] = {v: {"history": f.history, "temperature": f.temperature} for v, f in final.items()}
    meta = {
        "training_data": data_summary,
        "command": command,
        "seed": spec.seed,
        "versions": library_versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # splits an earlier, stopped run had fitted count with the time they took then
        "train_seconds": round(time.perf_counter() - started + resumed["seconds"], 1),
        "resumed_splits": resumed["splits"],
        "peak_memory_gb": peak_memory_gb(),
        "parameters": _parameters(final["plain"]),
    }
    meta["latency_ms_3s"] = measure_latency(final["plain"])
    save_model(out_dir, final, meta)
    ship_new_voice_temperature(out_dir, results["metrics"], log)
    write_json(out_dir / "history.json", results["history"])
    write_json(out_dir / "metrics.json", results["metrics"])
    write_json(out_dir / "confusion.json", results["confusion"])
    log(f"wrote {out_dir} in {meta['train_seconds']:.0f} s, {meta['peak_memory_gb']:.1f} GB resident at most")
    return out_dir


def peak_memory_gb() -> float:
    """The most memory this process has held resident so far, in GB (Linux counts ``ru_maxrss`` in KiB): what
    ``ser train`` needed, the splits stored by an earlier, stopped run aside."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 2)


def reevaluate(folder: Path, sources: Sequence[str | Path], protocols: Sequence[str] | None = None, log: Log = _stderr) -> dict:
    """Re-run the protocols for an existing model's recipe and update its metrics, confusion and history."""
    meta = verify(folder)
    spec = ModelSpec.from_dict(meta["spec"])
    label_set = LabelSet.from_dict(meta["training_data"]["label_set"])
    rows, _ = load_rows(sources, label_set)
    protocols = chosen_protocols(rows, protocols, log)
    features, augmented = _features(spec, rows)
    results = evaluate(spec, rows, features, label_set, protocols, augmented=augmented, log=log)
    for name in ("metrics", "confusion", "history"):
        path = folder / f"{name}.json"
        stored = read_json(path) if path.is_file() else {}
        stored.update(results[name])
        write_json(path, stored)
    ship_new_voice_temperature(folder, results["metrics"], log)
    return results["metrics"]


# which leave-one-corpus-out scoring stands for each stored model variant
NEW_VOICE_SCORING = {PLAIN: "none", SPEAKER_NORM: variant_name(max(SPEAKER_NORM_CLIPS))}


def ship_new_voice_temperature(folder: Path, metrics: dict, log: Log = _stderr) -> dict[str, float]:
    """Multiply each stored variant's temperature by the factor leave-one-corpus-out found for voices
    from elsewhere (``ser.evaluation.cross_corpus``), keeping the in-domain one in meta.json; nothing
    changes when ``metrics`` has no such factor. Returns {variant: factor}."""
    applied: dict[str, float] = {}
    meta = read_json(folder / "meta.json")
    for variant, scoring in NEW_VOICE_SCORING.items():
        cross = (protocols.stored_variant(metrics, "loco", scoring) or {}).get("cross_corpus")
        info = meta["variants"].get(variant)
        if not cross or info is None:
            continue
        in_domain = float(info.get("temperature_in_domain", info["temperature"]))
        info.update(temperature_in_domain=in_domain, new_voice_factor=float(cross["factor"]),
                    temperature=in_domain * float(cross["factor"]))
        applied[variant] = float(cross["factor"])
    if applied:
        write_json(folder / "meta.json", meta)
        log("temperature × " + ", ".join(f"{f:.2f} ({v})" for v, f in applied.items()) + " for voices from elsewhere (from leave one corpus out)")
    return applied


def _features(spec: ModelSpec, rows: Sequence[Row]) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Model inputs of every clip, and of each augmented copy when the recipe asks for them."""
    paths = [r.path for r in rows]
    return compute_many(spec.input, paths), [compute_many(spec.input, paths, augmentation=a) for a in spec.augmentations()]


def comparison_table(folders: Sequence[Path]) -> str:
    """Markdown table of every model's stored speaker-independent figures."""
    head = ["model", "params", "MB", "3 s clip", "RAVDESS 8-class acc", "UAR", "ECE (pooled)", "+ norm. 3 clips", "+ norm. 10 clips",
            "RAVDESS + others acc", "TESS LOSO acc", "R→T UAR", "T→R UAR", "LOCO UAR (mean)", "LOCO ECE (/ new-voice T)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for folder in folders:
        meta = read_json(folder / "meta.json")
        metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").is_file() else {}

        def figure(protocol: str, variant: str, key: str, metrics: dict = metrics) -> str:
            # ECE from all folds' predictions pooled: per-fold ECE on ~240 clips is biased upwards
            value = protocols.figure(metrics, protocol, variant, key, "pooled" if key == "ece" else "mean")
            if value is None:
                return "–"
            return f"{value:.3f}" if key == "ece" else f"{100 * value:.1f} %"

        new_voice = protocols.figure(metrics, "loco", "none", "ece", "new_voice")
        lines.append("| " + " | ".join([
            meta["name"],
            f"{meta.get('parameters', 0):,}",
            f"{meta.get('size_mb', 0):.1f}",
            f"{meta['latency_ms_3s']['median']:.0f} ms" if "latency_ms_3s" in meta else "–",
            figure(HEADLINE_PROTOCOL, "none", "accuracy"),
            figure(HEADLINE_PROTOCOL, "none", "uar"),
            figure(HEADLINE_PROTOCOL, "none", "ece"),
            figure(HEADLINE_PROTOCOL, variant_name(3), "accuracy"),
            figure(HEADLINE_PROTOCOL, variant_name(10), "accuracy"),
            figure("ravdess_6fold_all", "none", "accuracy"),
            figure("tess_loso", "none", "accuracy"),
            figure("ravdess_to_tess", "none", "uar"),
            figure("tess_to_ravdess", "none", "uar"),
            figure("loco", "none", "uar"),
            figure("loco", "none", "ece") + (f" / {new_voice:.3f}" if new_voice is not None else ""),
        ]) + " |")
    return "\n".join(lines) + loco_table(folders)


def loco_table(folders: Sequence[Path]) -> str:
    """Markdown table of leave-one-corpus-out UAR per held-out corpus (each on its own classes), with
    and without speaker normalisation; empty when no model was evaluated that way."""
    rows, corpora = [], []
    for folder in folders:
        metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").is_file() else {}
        stored = metrics.get("loco")
        if not stored:
            continue
        names = [f.get("test_corpus", "?") for f in stored.get("folds", [])]
        corpora = corpora or names
        for variant in ("none", variant_name(10)):
            per_fold = (protocols.stored_variant(metrics, "loco", variant) or {}).get("per_fold", [])
            uars = {n: f.get("uar") for n, f in zip(names, per_fold, strict=False)}
            mean = protocols.figure(metrics, "loco", variant, "uar")
            label = read_json(folder / "meta.json")["name"] + ("" if variant == "none" else " + norm. 10 clips")
            rows.append([label] + [f"{100 * uars[c]:.1f} %" if uars.get(c) is not None else "–" for c in corpora]
                        + [f"{100 * mean:.1f} %" if mean is not None else "–"])
        chance_row = ["chance"] + [f"{100 / len(f.get('labels', [1])):.1f} %" for f in stored.get("folds", [])]
        chance_row.append(f"{100 * stored['chance']:.1f} %" if stored.get("chance") else "–")
    if not rows:
        return ""
    head = ["leave one corpus out, UAR"] + [corpus_title(c) for c in corpora] + ["mean"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows + [chance_row]]
    return "\n\n" + "\n".join(lines)


TABLE_MARKERS = ("<!-- ser:table start (ser evaluate --table-only --write-readme) -->", "<!-- ser:table end -->")
UNTRAINED_MARKERS = ("<!-- ser:untrained start -->", "<!-- ser:untrained end -->")


def untrained_recipes(folders: Sequence[Path]) -> list[str]:
    """Zoo recipes with no trained model among ``folders`` (ablations, never shipped, aside)."""
    from ser.models.zoo import ABLATIONS, PRESETS

    trained = {read_json(f / "meta.json")["spec"]["name"] for f in folders if (f / "meta.json").is_file()}
    return [name for name in PRESETS if name not in trained and name not in ABLATIONS]


def write_readme(path: Path, folders: Sequence[Path]) -> str:
    """Replace the comparison table (and the list of untrained recipes, where marked) in a
    markdown file between its ``<!-- ser:... -->`` markers; text outside them is kept as is."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    missing = untrained_recipes(folders)
    blocks = [(TABLE_MARKERS, comparison_table(folders))]
    if UNTRAINED_MARKERS[0] in text:
        blocks.append((UNTRAINED_MARKERS, "- Not yet trained: " + ", ".join(f"`{m}`" for m in missing)
                       + " (their recipes are in `ser/models/zoo.py`)." if missing else ""))
    return write_between_markers(path, blocks)


def measure_latency(fitted, runs: int = 30) -> dict[str, float]:
    """Warm time to classify a 3 s clip (features + model + calibration), median and p95 in ms,
    on this machine. Decoding is not included (it depends on the file format)."""
    from ser.testing import speech_like

    clip = speech_like(3.0, seed=123)
    for _ in range(3):
        fitted.proba([fitted.spec.input.compute(clip)])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fitted.proba([fitted.spec.input.compute(clip)])
        times.append(1000 * (time.perf_counter() - start))
    return {"median": round(float(np.median(times)), 1), "p95": round(float(np.percentile(times, 95)), 1), "runs": runs}


def remeasure_latency(folder: Path) -> dict[str, float]:
    """Measure a stored model's 3 s latency (plain variant) and write it, with its size, into meta.json."""
    from ser.models.artifacts import load_model

    loaded = load_model(folder, variants=("plain",))
    latency = measure_latency(loaded.fitted["plain"])
    meta = read_json(folder / "meta.json")
    meta["latency_ms_3s"] = latency
    meta["size_mb"] = round(sum((folder / name).stat().st_size for name in meta["files"]) / 2**20, 2)
    write_json(folder / "meta.json", meta)
    return latency


def choose_default(folders: Sequence[Path], margin: float | None = None) -> tuple[Path, float, str]:
    """The model that best recognises voices it never heard becomes ``DEFAULT`` in its models folder:
    the best leave-one-corpus-out mean UAR among the models evaluated that way, else (no model was)
    the best RAVDESS 6-fold UAR. The current default stays unless another model beats it by more
    than ``margin`` (a UAR fraction; ``CHOICE_MARGIN`` when None): smaller differences are noise.
    Returns (folder, its UAR, the protocol it was chosen by)."""
    margin = CHOICE_MARGIN if margin is None else margin
    for protocol in (CHOICE_PROTOCOL, HEADLINE_PROTOCOL):
        scored = {}
        for folder in folders:
            path = folder / "metrics.json"
            uar = protocols.figure(read_json(path), protocol, "none", "uar") if path.is_file() else None
            if uar is not None:
                scored[folder] = uar
        if scored:
            best = max(scored, key=lambda folder: scored[folder])
            marker = best.parent / "DEFAULT"
            current = best.parent / marker.read_text().strip() if marker.is_file() else None
            if current in scored and scored[best] - scored[current] <= margin:
                best = current
            marker.write_text(best.name + "\n")
            return best, scored[best], protocol
    raise CorpusError("no model has leave-one-corpus-out or RAVDESS 6-fold figures to choose a default from")


CHOICE_PROTOCOL = "loco"  # a user's own voice is always a voice from elsewhere
# Two models' LOCO means closer than this are a tie, and a tie keeps the current default. Between
# whisper_layers and whisper_layers_level the seven per-corpus differences spread by 3.1 points
# (standard deviation), so the standard error of their mean difference is 1.2 points
# (benchmarks/checks/loco_difference.py).
CHOICE_MARGIN = 0.01


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
