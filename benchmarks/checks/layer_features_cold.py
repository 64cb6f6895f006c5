"""Time to compute the default model's features (Whisper base layer statistics) for every clip of the
seven corpora from a cold cache; run it alone on an idle machine, with SER_CACHE pointing at an empty
folder for a truly cold figure (2124 s for 13,916 clips on the 2-core AMD machine, 2026-12-01).
    .venv/bin/python benchmarks/checks/layer_features_cold.py [CORPORA]"""
import sys
import time

from ser.data.corpora import load_corpus
from ser.models.inputs import compute_many
from ser.models.zoo import PRESETS

paths = [r.path for r in load_corpus(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/corpora").rows]
start = time.perf_counter()
compute_many(PRESETS["whisper_layers"].input, paths, progress=False)
print(f"{len(paths)} clips, whisper_layers features in {time.perf_counter() - start:.0f} s", flush=True)
