# ruff: noqa: E701, E702, E402  (a measurement script kept as it was run)
"""RAVDESS 6 folds by actor, logistic regression on the cached Whisper base layer features (train whisper_layers first):
all 20 training actors against 17 (3 held out, as ser holds out speakers for early stopping).
    .venv/bin/python benchmarks/checks/ravdess_lr.py"""
import csv
import time
from pathlib import Path

import numpy as np

from ser.models.inputs import InputSpec, cache_dir, file_key

root = Path("../shared/data/corpora")
def load(datasets=None):
    rows = list(csv.DictReader(open(root / "MANIFEST.csv")))
    spec = InputSpec(kind="layers", whisper_model="base")
    folder = cache_dir() / spec.key()
    X, meta = [], []
    for r in rows:
        if datasets and r["dataset"] not in datasets: continue
        f = folder / f"{file_key(str(root / r['path']))}.npy"
        if f.is_file():
            X.append(np.load(f)); meta.append((r["dataset"], r["speaker"], r["emotion"]))
    return np.stack(X), np.array(meta)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score
from sklearn.preprocessing import StandardScaler

X, M = load({"ravdess"})
spk = np.array([int(s.split("_")[1]) for s in M[:, 1]]); y = M[:, 2]
fold = (spk - 1) // 4
def run(C, drop_val):
    pred = np.empty(len(y), object)
    for f in range(6):
        tr, te = fold != f, fold == f
        if drop_val:  # leave 3 of the 20 training actors out, as early stopping does
            actors = sorted(set(spk[tr])); rng = np.random.default_rng(f); out = set(rng.choice(actors, 3, replace=False))
            tr = tr & ~np.isin(spk, list(out))
        sc = StandardScaler().fit(X[tr])
        clf = LogisticRegression(C=C, max_iter=3000).fit(sc.transform(X[tr]), y[tr])
        pred[te] = clf.predict(sc.transform(X[te]))
    return round(accuracy_score(y, pred), 4), round(recall_score(y, pred, average="macro"), 4)
for C in [0.001, 0.01]:
    for d in [False, True]:
        t=time.time(); print("C", C, "17 actors" if d else "20 actors", run(C, d), round(time.time()-t), flush=True)
