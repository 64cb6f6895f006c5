# ruff: noqa: E402  (a measurement script kept as it was run)
"""How often Whisper base names the right language on real corpus clips (the language the Analyze
page shows): 40 random clips per corpus (seed 0), first 30 s, as `ser.analysis.transcribe.detect_language`.
    .venv/bin/python benchmarks/checks/language_id.py   # writes benchmarks/results/language_id.json"""
import collections
import csv
import json
import random
from pathlib import Path

from ser.analysis.transcribe import detect_language
from ser.audio.clip import load_clip

root = Path("../shared/data/corpora")
rows = list(csv.DictReader(open(root / "MANIFEST.csv")))
spoken = {"ravdess": "en", "tess": "en", "nemo": "pl", "emovo": "it", "turev": "tr", "urdu": "ur", "ased": "am"}
rng = random.Random(0)
out = {}
for dataset, language in spoken.items():
    sample = [r for r in rows if r["dataset"] == dataset]
    rng.shuffle(sample)
    named, unsure, seconds = collections.Counter(), 0, []
    for r in sample[:40]:
        clip = load_clip(str(root / r["path"]))
        code, probability = detect_language(clip.samples)
        named[code] += 1
        unsure += probability < 0.5
        seconds.append(clip.duration)
    out[dataset] = {"language": language, "right": named[language], "clips": 40, "named": named.most_common(4),
                    "under_50_percent_sure": unsure, "mean_seconds": round(sum(seconds) / len(seconds), 1)}
    print(dataset, out[dataset], flush=True)
Path("benchmarks/results/language_id.json").write_text(json.dumps(out, indent=1) + "\n")
