# ruff: noqa: E701, E702, E402  (a measurement script kept as it was run)
"""random_forest size cap: pickle size and held-out UAR (EMOVO, RAVDESS left out) for a few tree settings.
    .venv/bin/python benchmarks/checks/rf_size.py"""
import pickle
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score

from ser.data.labels import LabelSet
from ser.evaluation.experiment import _features, load_rows
from ser.models.zoo import preset

spec = preset("random_forest")
rows, _ = load_rows(["../shared/data/corpora"], LabelSet())
feats, _ = _features(spec, rows)
X = np.stack(feats); labels = sorted({r.emotion for r in rows}); y = np.array([labels.index(r.emotion) for r in rows])
for held in ["emovo", "ravdess"]:
    tr = np.array([r.dataset != held for r in rows]); te = ~tr
    own = sorted(set(y[te]))
    for n, leaf in [(200, 3), (100, 8), (100, 15), (60, 10)]:
        t = time.time()
        clf = RandomForestClassifier(n_estimators=n, min_samples_leaf=leaf, class_weight="balanced", n_jobs=-1, random_state=0).fit(X[tr], y[tr])
        p = clf.predict_proba(X[te])[:, own]
        uar = balanced_accuracy_score(y[te], np.array(own)[p.argmax(1)])
        print(held, n, leaf, f"{len(pickle.dumps(clf))/1e6:.1f} MB", f"UAR {uar:.3f}", f"{time.time()-t:.0f}s", flush=True)
