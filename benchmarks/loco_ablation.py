"""Which training data makes a model hold up on a corpus it never heard (issue 9's "measure it yourself").

For each corpus in turn, the `whisper_layers` recipe (Whisper base layer statistics, linear head) is
trained on the other corpora and scored on the held-out one (UAR on its own classes, the probabilities
of those classes renormalised), under one of these training sets:

- ``all``: every other corpus, each (corpus, class) pair weighted alike (the shipped recipe);
- ``all_class``: every other corpus, only classes weighted alike;
- ``ravdess_tess``: RAVDESS and TESS only (what the project had before; for RAVDESS held out this
  is TESS alone, for TESS held out RAVDESS alone).

Plain models only (no speaker normalisation). Features come from the on-disk cache that
`ser train whisper_layers` fills. Prints one line per corpus and writes
benchmarks/results/loco_ablation.json.

    .venv/bin/python benchmarks/loco_ablation.py --data ../shared/data/corpora --conditions all ravdess_tess
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ser.data.labels import LabelSet  # noqa: E402
from ser.evaluation.evaluate import plan, protocol_labels, restrict  # noqa: E402
from ser.evaluation.experiment import _features, load_rows  # noqa: E402
from ser.evaluation.metrics import summarize  # noqa: E402
from ser.evaluation.protocols import PROTOCOLS  # noqa: E402
from ser.models.training import fit  # noqa: E402
from ser.models.zoo import preset  # noqa: E402

CONDITIONS = ("all", "all_class", "ravdess_tess")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=[str(ROOT.parent / "shared" / "data" / "corpora")])
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=CONDITIONS)
    parser.add_argument("--batch-size", type=int, default=None, help="override the recipe's batch size")
    parser.add_argument("--learning-rate", type=float, default=None, help="override the recipe's learning rate")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "loco_ablation.json"))
    args = parser.parse_args()
    label_set = LabelSet()
    spec = preset("whisper_layers")
    if args.batch_size is not None:
        spec = replace(spec, batch_size=args.batch_size)
    if args.learning_rate is not None:
        spec = replace(spec, learning_rate=args.learning_rate)
    rows, _ = load_rows(args.data, label_set)
    features, _ = _features(spec, rows)
    protocol = PROTOCOLS["loco"]
    labels = protocol_labels(protocol, rows, label_set)
    y = np.array([labels.index(r.emotion) for r in rows])
    results: dict[str, dict[str, float]] = {}
    for condition in args.conditions:
        recipe = replace(spec, balance="class") if condition == "all_class" else spec
        results[condition] = {}
        for split in plan(protocol, rows, labels, label_set):
            train = split.train
            if condition == "ravdess_tess":
                train = np.array([i for i in train if rows[i].dataset in ("ravdess", "tess")])
            started = time.perf_counter()
            model = fit(recipe, [features[i] for i in train], y[train], [rows[i].speaker for i in train], labels,
                        speaker_norm=False, corpora=[rows[i].dataset for i in train])
            local_y, local_p = restrict(y[split.test], model.proba([features[i] for i in split.test]), labels, split.labels)
            uar = summarize(local_y, local_p, split.labels)["uar"]
            results[condition][split.test_corpus] = uar
            print(f"{condition:13s} {split.test_corpus:8s} UAR {100 * uar:5.1f} %  [{time.perf_counter() - started:.0f} s]", flush=True)
            _write(args.out, spec, results)  # after every corpus: a run cut short keeps what it finished
        print(f"{condition:13s} mean     UAR {100 * np.mean(list(results[condition].values())):5.1f} %", flush=True)
    return 0


def _write(out: str, spec, results: dict[str, dict[str, float]]) -> None:
    means = {c: float(np.mean(list(r.values()))) for c, r in results.items() if r}
    Path(out).write_text(json.dumps({"recipe": spec.to_dict(), "uar": results, "mean_uar": means}, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
