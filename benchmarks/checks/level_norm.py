# ruff: noqa: E701, E702, E402  (a measurement script kept as it was run)
"""Inference-only level normalisation: the default model on the robustness clips, clean and quiet, with and without
scaling each clip to the median RMS level.   .venv/bin/python benchmarks/checks/level_norm.py"""
import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from robustness import CONDITIONS, choose_clips, score

from ser.audio.clip import load_clip
from ser.models.predictor import Predictor

rows = choose_clips("../shared/data/corpora", 400)
clean = [load_clip(r.path).samples for r in rows]; truth = [r.emotion for r in rows]
def rms_db(y): return 20*np.log10(np.sqrt(np.mean(y.astype(np.float64)**2))+1e-12)
levels = [rms_db(y) for y in clean]; target = float(np.median(levels))
print("rms dBFS median", round(target,1), "p10/p90", np.percentile(levels,[10,90]).round(1))
def norm(y):
    g = 10**((target - rms_db(y))/20); return np.clip(y*g, -1, 1).astype(np.float32)
p = Predictor("whisper_layers")
base = score(p, clean, truth)
for name, ys in [("clean", clean), ("clean normalised", [norm(y) for y in clean]),
                 ("quiet", [CONDITIONS["quiet (-20 dB)"](y, None) for y in clean]),
                 ("quiet normalised", [norm(CONDITIONS["quiet (-20 dB)"](y, None)) for y in clean])]:
    f = score(p, ys, truth)
    print(name, round(f["uar"]*100,1), "same top as clean", round(100*np.mean(np.array(f["_pred"])==np.array(base["_pred"]))), flush=True)
