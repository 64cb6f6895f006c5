"""Does the bfloat16 Whisper base encoder change the default model's answers? Scores N random clips of the demo
speakers (never in training) with the float32 and the bfloat16 encoder and compares the probabilities.

    .venv/bin/python benchmarks/encoder_precision.py [--clips 160] [--data ../shared/data/corpora]

Prints and writes benchmarks/results/encoder_precision.json (argmax agreement, largest and mean probability difference).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from ser.audio import whisper_layers as wl
from ser.audio.clip import load_clip
from ser.data.demo import DEMO_SPEAKERS
from ser.models.artifacts import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=160)
    parser.add_argument("--data", default="../shared/data/corpora")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    root = Path(args.data)
    with open(root / "MANIFEST.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["speaker"] in DEMO_SPEAKERS]
    chosen = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))[: args.clips]]
    fitted = load_model("whisper_layers").fitted["plain"]
    exact = wl.load_base_encoder("float32")
    fast = wl.LayerEncoder(dict(wl.ct2_variables(wl.read_verified(wl.base_model_parts()[:2]), "encoder/")), "bfloat16")
    samples = [load_clip(root / r["path"]).samples for r in chosen]
    p32 = fitted.proba([exact.pooled(x).reshape(-1) for x in samples])
    p16 = fitted.proba([fast.pooled(x).reshape(-1) for x in samples])
    diff = np.abs(p32 - p16)
    result = {"clips": len(samples), "argmax_agreement": float((p32.argmax(1) == p16.argmax(1)).mean()),
              "max_probability_difference": round(float(diff.max()), 4), "mean_probability_difference": round(float(diff.mean()), 5),
              "native_bfloat16": wl.native_bfloat16(), "command": f"python benchmarks/encoder_precision.py --clips {args.clips}"}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "encoder_precision.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
