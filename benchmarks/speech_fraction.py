"""Speech fraction (Silero VAD, as the quality report measures it) over every clip of the corpora.

Issue 11 point 2: a loud, clean acted clip was called "Mostly silence". This reads every clip the
corpora's MANIFEST.csv lists, runs the same check the app runs (``ser.audio.clip.load_clip``) and
writes the distribution per corpus (percentiles, how many clips get the "Mostly silence" or "No
speech" warning, the lowest clips) to benchmarks/results/speech_fraction.json. The corpora folder is
$SER_DATA_DIR, else ../shared/data/corpora; no audio is copied anywhere.

    nice -n 19 .venv/bin/python benchmarks/speech_fraction.py [--limit N] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ser.audio.clip import Limits, load_clip  # noqa: E402
from ser.errors import SerError  # noqa: E402

PERCENTILES = (0, 1, 5, 10, 25, 50, 75, 90, 100)
LOWEST = 15  # lowest clips listed per corpus


def data_dir() -> Path:
    return Path(os.environ.get("SER_DATA_DIR", ROOT.parent / "shared" / "data" / "corpora"))


def measure(folder: Path, limit: int | None = None, every: int = 1) -> dict:
    rows = list(csv.DictReader((folder / "MANIFEST.csv").open(newline="")))[::every][:limit]
    limits = Limits()
    by_corpus: dict[str, list[tuple[float, str, tuple[str, ...]]]] = defaultdict(list)
    errors: dict[str, str] = {}
    start = time.perf_counter()
    for i, row in enumerate(rows):
        try:
            report = load_clip(folder / row["path"], limits).report
        except SerError as exc:
            errors[row["path"]] = exc.message
            continue
        by_corpus[row["dataset"]].append((report.speech_fraction, row["path"], report.warnings))
        if (i + 1) % 500 == 0:
            print(f"{i + 1}/{len(rows)} clips, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    corpora = {}
    for corpus, items in sorted(by_corpus.items()):
        fractions = np.array([f for f, _, _ in items])
        corpora[corpus] = {
            "clips": len(items),
            "percentiles": {f"p{p}": round(float(np.percentile(fractions, p)), 3) for p in PERCENTILES},
            "mean": round(float(fractions.mean()), 3),
            "mostly_silence": sum(any(w.startswith("Mostly silence") for w in ws) for _, _, ws in items),
            "no_speech": sum(any(w.startswith("No speech") for w in ws) for _, _, ws in items),
            "below_0.1": int((fractions < 0.1).sum()),
            "lowest": [{"path": p, "speech_fraction": f} for f, p, _ in sorted(items)[:LOWEST]],
        }
    everything = np.array([f for items in by_corpus.values() for f, _, _ in items])
    return {
        "what": "speech_fraction of ser.audio.clip.load_clip's quality report for every clip in MANIFEST.csv",
        "low_speech_fraction_limit": limits.low_speech_fraction,
        "clips": int(len(everything)),
        "seconds": round(time.perf_counter() - start, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "all": {
            "percentiles": {f"p{p}": round(float(np.percentile(everything, p)), 3) for p in PERCENTILES},
            "mostly_silence": sum(c["mostly_silence"] for c in corpora.values()),
            "no_speech": sum(c["no_speech"] for c in corpora.values()),
        },
        "corpora": corpora,
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips (a quick look)")
    parser.add_argument("--every", type=int, default=1, help="every Nth clip of the manifest")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speech_fraction.json"))
    args = parser.parse_args()
    folder = data_dir()
    if not (folder / "MANIFEST.csv").is_file():
        print(f"No corpora at {folder} (set SER_DATA_DIR).", file=sys.stderr)
        return 2
    result = measure(folder, args.limit, args.every)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: {"p5": v["percentiles"]["p5"], "p50": v["percentiles"]["p50"], "mostly_silence": v["mostly_silence"],
                   "no_speech": v["no_speech"]} for k, v in result["corpora"].items()}
    print(json.dumps({"all": result["all"], **summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
