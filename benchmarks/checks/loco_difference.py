"""How far apart two models' leave-one-corpus-out means must be to differ: the source of
``ser.evaluation.experiment.CHOICE_MARGIN``. Reads the per-corpus UARs stored in each model's metrics.json
and prints the paired differences, their standard deviation and the standard error of their mean.

    .venv/bin/python benchmarks/checks/loco_difference.py whisper_layers whisper_layers_level
"""

from __future__ import annotations

import argparse
import statistics

from ser.models.artifacts import models_dir, read_json


def per_corpus_uar(name: str) -> list[float]:
    folds = read_json(models_dir() / name / "metrics.json")["loco"]["variants"]["none"]["per_fold"]
    return [100 * fold["uar"] for fold in folds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first")
    parser.add_argument("second")
    args = parser.parse_args()
    diffs = [b - a for a, b in zip(per_corpus_uar(args.first), per_corpus_uar(args.second), strict=True)]
    sd = statistics.stdev(diffs)
    print("per-corpus differences (points):", ", ".join(f"{d:+.2f}" for d in diffs))
    print(f"mean {statistics.mean(diffs):+.2f}, standard deviation {sd:.2f}, standard error {sd / len(diffs) ** 0.5:.2f}")


if __name__ == "__main__":
    main()
