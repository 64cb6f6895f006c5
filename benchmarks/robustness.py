"""Does a model hold up on audio the way users send it? Scores clips of the demo speakers (voices the
shipped models never heard) clean and after what a browser, a phone or a room does to them: lossy
codecs at voice-message bitrates, a quiet or clipping microphone, noise, reverberation, a telephone band.

    .venv/bin/python benchmarks/robustness.py [--models whisper_layers svm] [--clips 240] [--data ../shared/data/corpora]

Prints a table and writes benchmarks/results/robustness.json: per model and condition, UAR and accuracy on the
clips' own labels, how often the top emotion stays the one given for the clean clip, the mean top probability
and the expected calibration error (15 bins). The transforms are ``ser.audio.augment``'s (seeded, per clip).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import librosa
import numpy as np

from ser.audio.augment import add_noise, codec_roundtrip, gain, reverb
from ser.audio.clip import load_clip
from ser.audio.decode import TARGET_RATE
from ser.data.corpora import load_corpus
from ser.data.demo import DEMO_SPEAKERS
from ser.evaluation.metrics import expected_calibration_error
from ser.models.predictor import Predictor

Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _telephone(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """8 kHz narrowband (a phone call or an old voice recorder), back at 16 kHz."""
    down = librosa.resample(y, orig_sr=TARGET_RATE, target_sr=8000)
    return librosa.resample(down, orig_sr=8000, target_sr=TARGET_RATE)[: y.size].astype(np.float32)


CONDITIONS: dict[str, Transform] = {
    "clean": lambda y, rng: y,
    "Opus 16 kbit/s": lambda y, rng: codec_roundtrip(y, TARGET_RATE, "opus", 16_000),
    "MP3 32 kbit/s": lambda y, rng: codec_roundtrip(y, TARGET_RATE, "mp3", 32_000),
    "AAC 24 kbit/s": lambda y, rng: codec_roundtrip(y, TARGET_RATE, "aac", 24_000),
    "quiet (-20 dB)": lambda y, rng: gain(y, -20.0),
    "clipping (+12 dB)": lambda y, rng: gain(y, 12.0),
    "pink noise 20 dB SNR": lambda y, rng: add_noise(y, 20.0, rng, kind="pink"),
    "pink noise 10 dB SNR": lambda y, rng: add_noise(y, 10.0, rng, kind="pink"),
    "room (RT60 0.5 s)": lambda y, rng: reverb(y, TARGET_RATE, 0.5, rng),
    "telephone band (8 kHz)": _telephone,
}


def choose_clips(data: str, count: int) -> list:
    """Every demo clip of the smaller corpora's speakers, the rest drawn at random (seed 0), up to ``count``."""
    rows = [r for r in load_corpus(data).rows if r.speaker in DEMO_SPEAKERS]
    rng = np.random.default_rng(0)
    by_corpus: dict[str, list] = {}
    for r in rows:
        by_corpus.setdefault(r.dataset, []).append(r)
    share = count // max(1, len(by_corpus))
    chosen = []
    for corpus in sorted(by_corpus):
        found = by_corpus[corpus]
        chosen += [found[i] for i in sorted(rng.permutation(len(found))[:share])]
    return chosen


def score(predictor: Predictor, clips: list[np.ndarray], truth: list[str]) -> dict[str, float]:
    proba = np.array([[p[label] for label in predictor.labels] for p in predictor.predict_many(clips)])
    y = np.array([predictor.labels.index(t) for t in truth])
    pred = proba.argmax(1)
    present = sorted(set(y))
    recalls = [float((pred[y == c] == c).mean()) for c in present]
    return {"uar": float(np.mean(recalls)), "accuracy": float((pred == y).mean()),
            "mean_confidence": float(proba.max(1).mean()), "ece": float(expected_calibration_error(y, proba)),
            "_pred": pred.tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["whisper_layers"])
    parser.add_argument("--clips", type=int, default=240)
    parser.add_argument("--data", default="../shared/data/corpora")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = choose_clips(args.data, args.clips)
    clean = [load_clip(r.path).samples for r in rows]
    truth = [r.emotion for r in rows]
    counts = {c: sum(r.dataset == c for r in rows) for c in sorted({r.dataset for r in rows})}
    print(f"{len(rows)} clips of the demo speakers {', '.join(DEMO_SPEAKERS)}: {counts}", flush=True)
    altered: dict[str, list[np.ndarray]] = {}
    for name, transform in CONDITIONS.items():
        altered[name] = [transform(y, np.random.default_rng([7, i])) for i, y in enumerate(clean)]
    results: dict = {"clips": len(rows), "per_corpus": counts, "speakers": list(DEMO_SPEAKERS), "models": {},
                     "command": "python benchmarks/robustness.py --models " + " ".join(args.models) + f" --clips {args.clips}"}
    for model in args.models:
        predictor = Predictor(model)
        kept = [i for i, t in enumerate(truth) if t in predictor.labels]
        table: dict[str, dict] = {}
        for name, audio in altered.items():
            start = time.perf_counter()
            figures = score(predictor, [audio[i] for i in kept], [truth[i] for i in kept])
            table[name] = figures
            base = table["clean"]["_pred"]
            figures["same_as_clean"] = float(np.mean(np.array(figures["_pred"]) == np.array(base)))
            print(f"{model:16s} {name:24s} UAR {figures['uar']:.3f}  acc {figures['accuracy']:.3f}  "
                  f"same top as clean {figures['same_as_clean']:.3f}  confidence {figures['mean_confidence']:.3f}  "
                  f"ECE {figures['ece']:.3f}  [{time.perf_counter() - start:.0f} s]", flush=True)
        for figures in table.values():
            figures.pop("_pred")
        results["models"][model] = {"clips_scored": len(kept), "conditions": table}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "robustness.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
