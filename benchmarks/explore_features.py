"""Time of Explore data's first visit work: the acoustic measures of its fixed sample of clips.

    .venv/bin/python benchmarks/explore_features.py [--data ../shared/data/corpora] [--per-emotion 8]

Prints the clip count and seconds and writes benchmarks/results/explore_features.json. Later visits
read Streamlit's cache instead.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from ser.reports import explore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/corpora")
    parser.add_argument("--per-emotion", type=int, default=8)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = explore.load_source(args.data).rows
    sample = explore.sample_rows(rows, args.per_emotion)
    start = time.perf_counter()
    table, failures = explore.compute_features(sample)
    seconds = time.perf_counter() - start
    result = {"clips": len(sample), "datasets": len({r.dataset for r in sample}), "seconds": round(seconds, 1),
              "failures": len(failures), "cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()],
              "command": f"python benchmarks/explore_features.py --per-emotion {args.per_emotion}"}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "explore_features.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
