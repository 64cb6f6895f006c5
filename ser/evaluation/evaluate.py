"""The protocol runner: every model goes through the same speaker-independent protocols,
defined in ``ser.evaluation.protocols`` (names, corpora, split scheme); ``plan`` implements each scheme.

Each split is scored three ways: ``none`` (one clip at a time, no speaker normalisation) and
``baseline_K`` (speaker normalisation: K unlabeled clips of the test speaker, drawn at random,
give that speaker's mean; the model variant trained with speaker normalisation then classifies
the speaker's *other* clips, so those K clips are never scored; a speaker with fewer than
2K clips, which only happens in tiny test corpora, gives half of them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ser.data.corpora import Row
from ser.data.labels import EMOTIONS, LabelSet
from ser.data.splits import assert_speaker_independent, leave_one_speaker_out, speaker_group_folds
from ser.errors import ConfigError
from ser.evaluation import split_cache
from ser.evaluation.cross_corpus import cross_fit, rescale
from ser.evaluation.metrics import fold_mean, pool, summarize
from ser.evaluation.protocols import ANY, PROTOCOLS, SPEAKER_NORM_CLIPS, VARIANTS, Protocol, variant_name
from ser.models.artifacts import PLAIN, SPEAKER_NORM
from ser.models.speaker_norm import feature_mean
from ser.models.training import ModelSpec, fit


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # indices into the rows
    test: np.ndarray
    test_speakers: tuple[str, ...]
    labels: tuple[str, ...] = ()  # classes this split is scored on when fewer than the protocol's ("loco")
    test_corpus: str = ""  # the held-out corpus ("loco")


def _classes(rows: Sequence[Row], label_set: LabelSet, keep) -> set[str]:
    return {label_set.apply(r.emotion) for r in rows if keep(r.dataset)}


def protocol_labels(protocol: Protocol, rows: Sequence[Row], label_set: LabelSet) -> tuple[str, ...]:
    """The classes a protocol trains on and scores: those present on both the train and the test
    side ("loco": every class of every corpus; each held-out corpus is scored on its own)."""
    if protocol.scheme == "loco":
        both = _classes(rows, label_set, lambda d: True)
    else:
        train = _classes(rows, label_set, lambda d: d == protocol.train or protocol.train == ANY)
        both = train & _classes(rows, label_set, lambda d: d == protocol.test)
    return tuple(e for e in EMOTIONS if e in both)


def plan(protocol: Protocol, rows: Sequence[Row], labels: Sequence[str], label_set: LabelSet) -> list[Split]:
    """Speaker-independent train/test index splits; every split is checked for speaker leaks."""
    usable = np.array([label_set.apply(r.emotion) in labels for r in rows])
    speakers = [r.speaker for r in rows]
    datasets = np.array([r.dataset for r in rows])
    splits: list[tuple[np.ndarray, np.ndarray, tuple[str, ...], str]] = []
    if protocol.scheme == "loco":
        for corpus in sorted(set(datasets.tolist())):
            others = _classes([r for r in rows if r.dataset != corpus], label_set, lambda d: True)
            own = tuple(e for e in labels if e in others and e in _classes(rows, label_set, lambda d, c=corpus: d == c))
            scored = np.array([label_set.apply(r.emotion) in own for r in rows])
            splits.append((np.where(usable & (datasets != corpus))[0], np.where(scored & (datasets == corpus))[0], own, corpus))
    elif protocol.scheme == "cross":
        train = np.where(usable & (datasets == protocol.train))[0]
        test = np.where(usable & (datasets == protocol.test))[0]
        splits.append((train, test, (), ""))
    else:
        idx = np.where(usable & (datasets == protocol.test))[0]
        local = [speakers[i] for i in idx]
        folds = speaker_group_folds(local, 6) if protocol.scheme == "groups6" else leave_one_speaker_out(local)
        others = np.where(usable & (datasets != protocol.test))[0] if protocol.train == ANY else np.array([], int)
        splits.extend((np.concatenate([others, idx[tr]]), idx[te], (), "") for tr, te in folds)
    out = []
    for train, test, own, corpus in splits:
        if len(train) == 0 or len(test) == 0:
            raise ConfigError(f"{protocol.title}: no data on one side of a split")
        assert_speaker_independent(speakers, train, test)
        out.append(Split(train, test, tuple(sorted({speakers[i] for i in test})), own, corpus))
    return out


def available_protocols(rows: Sequence[Row]) -> list[str]:
    """Protocols whose corpora are present in ``rows`` (those with a side of ANY need two corpora or more)."""
    datasets = {r.dataset for r in rows}

    def present(side: str) -> bool:
        return len(datasets) >= 2 if side == ANY else side in datasets

    return [name for name, p in PROTOCOLS.items() if present(p.train) and present(p.test)]


def restrict(y_true: np.ndarray, proba: np.ndarray, labels: Sequence[str], own: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Targets and probabilities of a model over ``labels`` re-expressed over the subset ``own``:
    the probabilities of the other classes are dropped and the rest renormalised to sum to 1."""
    keep = [labels.index(e) for e in own]
    local = {g: i for i, g in enumerate(keep)}
    sub = proba[:, keep]
    sub = sub / np.maximum(sub.sum(axis=1, keepdims=True), 1e-12)
    return np.array([local[int(t)] for t in y_true]), sub


def evaluate(
    spec: ModelSpec,
    rows: Sequence[Row],
    features: Sequence[np.ndarray],
    label_set: LabelSet,
    protocols: Sequence[str],
    *,
    augmented: Sequence[Sequence[np.ndarray]] = (),
    log: Callable[[str], None] = lambda message: None,
    progress: bool = False,
    resume: bool = True,
) -> dict:
    """Run ``protocols``; returns {"metrics": ..., "confusion": ..., "history": ..., "resumed": {"splits", "seconds"}}
    (JSON-ready; "resumed": how many splits came from an earlier run, and the seconds they took to fit then).

    ``progress``: per-epoch progress bars of the Keras fits on a terminal (see ``training.fit``).
    ``resume``: every finished split is stored (``ser.evaluation.split_cache``) and taken from there
    when the same split of the same recipe on the same data comes again, so a stopped run loses
    only the split it was fitting; False fits every split afresh and stores nothing."""
    if resume:
        from ser.models.artifacts import library_versions

        rows_key, versions, spec_dict = split_cache.rows_digest(rows), library_versions(), spec.to_dict()
    metrics: dict = {}
    resumed = {"splits": 0, "seconds": 0.0}  # splits taken from the store, and what fitting them took then
    confusion: dict = {}
    history: dict = {}
    factors: dict[str, float] = {}  # variant -> new-voice temperature factor, from "loco" (see cross_corpus)
    kept: dict[str, dict[str, list]] = {}
    for name in protocols:
        protocol = PROTOCOLS[name]
        labels = protocol_labels(protocol, rows, label_set)
        splits = plan(protocol, rows, labels, label_set)
        y = np.array([labels.index(label_set.apply(r.emotion)) if label_set.apply(r.emotion) in labels else -1 for r in rows])
        per_variant: dict[str, list] = {v: [] for v in VARIANTS}
        predictions: dict[str, list] = {v: [] for v in VARIANTS}
        local_folds: dict[str, list] = {v: [] for v in VARIANTS}
        fold_info, fold_history = [], []
        for i, split in enumerate(splits, 1):
            start = time.perf_counter()
            title = f"{protocol.name} {i}/{len(splits)}" if progress else None
            keys = split_cache.split_keys(spec_dict, rows_key, labels, name, split.train, split.test, versions) if resume else []
            stored = split_cache.load_first(keys)
            if stored is None:
                results, hist = _run_split(spec, rows, features, y, labels, split, augmented, title)
                hist["seconds"] = round(time.perf_counter() - start, 1)
                if resume:
                    split_cache.save(keys[0], results, hist)
            else:
                results, hist = stored
                resumed["splits"] += 1
                resumed["seconds"] += float(hist.get("seconds", 0.0))
            own = split.labels or tuple(labels)
            for variant, (y_true, proba) in results.items():
                local_y, local_p = restrict(y_true, proba, labels, own)
                per_variant[variant].append(summarize(local_y, local_p, own))
                local_folds[variant].append((local_y, local_p, own))
                pooled_p = np.zeros_like(proba)  # back on the protocol's classes, for the pooled figures
                pooled_p[:, [labels.index(e) for e in own]] = local_p
                predictions[variant].append((y_true, pooled_p))
            info = {"test_speakers": list(split.test_speakers), "n_train": int(len(split.train)), "n_test": int(len(split.test))}
            if split.test_corpus:
                info.update(test_corpus=split.test_corpus, labels=list(own))
            fold_info.append(info)
            fold_history.append(hist)
            accs = ", ".join(f"{v} {per_variant[v][-1]['accuracy']:.3f}" for v in VARIANTS)
            who = split.test_corpus or ", ".join(split.test_speakers[:4])
            took = "stored by an earlier run" if stored is not None else f"{time.perf_counter() - start:.0f} s"
            log(f"{protocol.title}: fold {i}/{len(splits)} ({who}) accuracy {accs} [{took}]")
        metrics[name] = {"title": protocol.title, "labels": list(labels), "folds": fold_info, "variants": {}}
        confusion[name] = {"labels": list(labels), "variants": {}}
        if any(split.labels for split in splits):  # folds scored on their own classes: their chance and matrices differ
            metrics[name]["chance"] = float(np.mean([1 / len(split.labels or labels) for split in splits]))
            confusion[name]["fold_labels"] = [list(split.labels or labels) for split in splits]
        for variant, summaries in per_variant.items():
            matrices = [s.pop("confusion") for s in summaries]
            pooled = pool(predictions[variant], labels)
            summed = pooled.pop("confusion")
            metrics[name]["variants"][variant] = {"per_fold": summaries, "mean": fold_mean(summaries), "pooled": pooled}
            confusion[name]["variants"][variant] = {"per_fold": matrices, "summed": summed}
            if protocol.scheme == "loco":
                fitted = cross_fit([(y_, p_) for y_, p_, _ in local_folds[variant]])
                factors[variant] = fitted.factor
                block = _rescaled_figures(local_folds[variant], fitted.probas, labels)
                metrics[name]["variants"][variant]["cross_corpus"] = {
                    "factor": fitted.factor, "fold_factors": list(fitted.fold_factors), "cross_fitted": True, **block}
        history[name] = fold_history
        kept[name] = local_folds
    for name, local_folds in kept.items():  # the shipped factor on the other protocols' predictions, for comparison
        if PROTOCOLS[name].scheme == "loco":
            continue
        for variant, folds in local_folds.items():
            if variant in factors:
                block = _rescaled_figures(folds, [rescale(p_, factors[variant]) for _, p_, _ in folds], metrics[name]["labels"])
                metrics[name]["variants"][variant]["cross_corpus"] = {"factor": factors[variant], "cross_fitted": False, **block}
    return {"metrics": metrics, "confusion": confusion, "history": history, "resumed": resumed}


def _rescaled_figures(folds: Sequence[tuple], probas: Sequence[np.ndarray], labels: Sequence[str]) -> dict:
    """Fold-mean and pooled figures of the folds' predictions with rescaled probabilities."""
    summaries, pooled = [], []
    for (y_local, _, own), p_local in zip(folds, probas, strict=True):
        summary = summarize(y_local, p_local, own)
        summary.pop("confusion")
        summaries.append(summary)
        p_full = np.zeros((len(y_local), len(labels)))
        p_full[:, [labels.index(e) for e in own]] = p_local
        pooled.append((np.array([labels.index(own[int(t)]) for t in y_local]), p_full))
    figures = pool(pooled, labels)
    figures.pop("confusion")
    figures.pop("per_class")
    return {"mean": fold_mean(summaries), "pooled": figures}


def _run_split(spec, rows, features, y, labels, split: Split, augmented, title: str | None = None) -> tuple[dict, dict]:
    speakers = [r.speaker for r in rows]
    train_x = [features[i] for i in split.train]
    train_s = [speakers[i] for i in split.train]
    train_aug = [[copy[i] for i in split.train] for copy in augmented]
    corpora = [rows[i].dataset for i in split.train]
    plain = fit(spec, train_x, y[split.train], train_s, labels, speaker_norm=False, augmented=train_aug, corpora=corpora,
                progress=title and f"{title} plain")
    normed = fit(spec, train_x, y[split.train], train_s, labels, speaker_norm=True, augmented=train_aug, corpora=corpora,
                 progress=title and f"{title} speaker-normalised")
    results = {"none": (y[split.test], plain.proba([features[i] for i in split.test]))}
    rng = np.random.default_rng(spec.seed)
    for k in SPEAKER_NORM_CLIPS:
        y_true, probas = [], []
        for speaker in split.test_speakers:
            idx = np.array([i for i in split.test if speakers[i] == speaker])
            chosen = rng.permutation(len(idx))
            k_used = min(k, len(idx) // 2)  # only tiny corpora have fewer than 2k clips per speaker
            if k_used == 0:  # a speaker with a single clip (URDU has some) has no baseline to take
                continue
            base, scored = idx[chosen[:k_used]], idx[chosen[k_used:]]
            mean = feature_mean([features[i] for i in base])
            probas.append(normed.proba([features[i] for i in scored], speaker_mean=mean))
            y_true.append(y[scored])
        results[variant_name(k)] = (np.concatenate(y_true), np.concatenate(probas))
    history = {PLAIN: plain.history, SPEAKER_NORM: normed.history,
               "temperature": {PLAIN: plain.temperature, SPEAKER_NORM: normed.temperature}}
    return results, history

