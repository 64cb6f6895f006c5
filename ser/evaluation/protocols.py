"""The evaluation vocabulary: protocols, scoring variants, metrics, chance levels and stored-figure lookups.

Light on purpose (standard library only): the dashboard, the CLI and the reports read it without
loading scikit-learn or TensorFlow. ``ser.evaluation.evaluate`` runs the protocols defined here.

Only speaker-independent protocols exist:

- ``ravdess_6fold``: RAVDESS, 6 folds by actor groups (1–4, 5–8, …, 21–24)
- ``tess_loso``: TESS, leave one speaker out (train on one actress, test on the other)
- ``ravdess_to_tess`` / ``tess_to_ravdess``: cross-corpus, on the classes both corpora share
- ``ravdess_6fold_all``: RAVDESS's 6 folds by actor, with every other corpus added to each training fold
- ``loco``: leave one corpus out, the "voices it never heard" figure: for each corpus, train on all the
  others and score it on its own classes (the probabilities of the classes it has, renormalised)

Adding a protocol: one ``Protocol(...)`` line in ``PROTOCOLS`` below; a new ``scheme`` also needs
its split in ``ser.evaluation.evaluate.plan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEMES = ("groups6", "loso", "cross", "loco")
ANY = "*"  # a protocol's train side: every corpus present except the one tested on


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str  # stored in metrics.json
    short_title: str  # table and chart headings
    train: str  # corpus trained on, or ANY: all corpora present but the tested one
    test: str  # corpus tested on (ANY for "loco": each corpus in turn)
    scheme: str  # one of SCHEMES: how the rows are split (ser.evaluation.evaluate.plan)
    meaning: str  # plain language, for the Compare models page; the class count (and so chance) comes from the stored labels


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol(
            "ravdess_6fold", "RAVDESS, 6 folds by actor", "RAVDESS 6-fold", "ravdess", "ravdess", "groups6",
            "RAVDESS speech, 6 folds by actor (1–4, 5–8, …, 21–24): each fold trains on 20 actors and tests on the 4 "
            "the model never heard; every actor is tested once.",
        ),
        Protocol(
            "tess_loso", "TESS, leave one speaker out", "TESS LOSO", "tess", "tess", "loso",
            "TESS, leave one speaker out: train on one actress, test on the other, and the reverse (2 folds).",
        ),
        Protocol(
            "ravdess_to_tess", "RAVDESS → TESS (cross-corpus)", "RAVDESS → TESS", "ravdess", "tess", "cross",
            "Cross-corpus: trained on all of RAVDESS, tested on all of TESS, on the classes both corpora share.",
        ),
        Protocol(
            "tess_to_ravdess", "TESS → RAVDESS (cross-corpus)", "TESS → RAVDESS", "tess", "ravdess", "cross",
            "Cross-corpus: trained on all of TESS (2 actresses), tested on all 24 RAVDESS actors, on the shared classes.",
        ),
        Protocol(
            "ravdess_6fold_all", "RAVDESS, 6 folds by actor, all other corpora added to training", "RAVDESS 6-fold + others",
            ANY, "ravdess", "groups6",
            "RAVDESS's 6 folds by actor, as above, but every training fold also holds all the other corpora (TESS, ASED, "
            "EMOVO, nEMO, TurEV-DB, URDU); the 4 test actors are still never heard.",
        ),
        Protocol(
            "loco", "Leave one corpus out", "Leave one corpus out", ANY, ANY, "loco",
            "Leave one corpus out, the test of a voice from elsewhere: for each corpus, train on all the others and test on it "
            "(another language, studio and set of speakers), scored on that corpus's own classes; the figure is the mean over corpora.",
        ),
    )
}
HEADLINE_PROTOCOL = "ravdess_6fold"  # the figure quoted for a model (model picker, choosing the default)

# Scoring variants of every split (keys in metrics.json): "none" scores one clip at a time;
# "baseline_K" applies speaker normalisation with the mean of K unlabeled clips of the test speaker.
SPEAKER_NORM_CLIPS = (3, 10)
SPEAKER_NORM_SECONDS = {3: 11.0, 10: 37.0}  # about how much speech that many RAVDESS clips hold
VARIANTS: tuple[str, ...] = ("none",) + tuple(f"baseline_{k}" for k in SPEAKER_NORM_CLIPS)
VARIANT_TITLES: dict[str, str] = {
    "none": "no speaker normalisation",
    "baseline_3": "speaker normalisation, 3 clips",
    "baseline_10": "speaker normalisation, 10 clips",
}
VARIANT_MEANING = (
    "Speaker normalisation subtracts a test speaker's mean features, taken from K random unlabeled clips of that "
    f"speaker (K = {' or '.join(f'{k} ≈ {SPEAKER_NORM_SECONDS[k]:.0f} s' for k in SPEAKER_NORM_CLIPS)} on RAVDESS); those clips are not scored."
)
METRIC_TITLES: dict[str, str] = {"accuracy": "accuracy", "uar": "UAR", "macro_f1": "macro-F1", "ece": "ECE"}


def variant_name(clips: int) -> str:
    """The metrics.json key of speaker normalisation with ``clips`` clips."""
    return f"baseline_{clips}"


def chance(labels: Sequence[str]) -> float | None:
    """Accuracy (and UAR) of guessing uniformly at random: 1 / number of classes."""
    return 1.0 / len(labels) if labels else None


def stored_chance(metrics: Mapping[str, Any], protocol: str) -> float | None:
    """A protocol's chance level from a model's metrics.json: as stored with it (leave one corpus out: the
    mean over the held-out corpora of 1 / their classes), else 1 / its stored classes; None when absent."""
    stored = metrics.get(protocol) if isinstance(metrics, Mapping) else None
    if not isinstance(stored, Mapping):
        return None
    value = stored.get("chance")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    labels = stored.get("labels")
    return chance(labels) if isinstance(labels, list) else None


def stored_variant(metrics: Mapping[str, Any], protocol: str, variant: str) -> dict[str, Any] | None:
    """What a model's metrics.json holds for one protocol and scoring variant (None when absent)."""
    found: Any = metrics
    for key in (protocol, "variants", variant):  # a damaged file may hold anything at any level
        found = found.get(key) if isinstance(found, Mapping) else None
    return found if isinstance(found, dict) else None


def figure(metrics: Mapping[str, Any], protocol: str, variant: str, key: str, how: str = "mean") -> float | None:
    """A figure from a model's stored metrics.json: the fold mean (``how="mean"``), its spread
    (``"std"``) or over all folds pooled (``"pooled"``); ``"new_voice"``: pooled, with probabilities
    rescaled by the temperature factor for voices from elsewhere (``ser.evaluation.cross_corpus``;
    cross-fitted on leave one corpus out). None when it was not stored."""
    stored = stored_variant(metrics, protocol, variant)
    if stored is None:
        return None
    try:
        if how == "new_voice":
            value = stored["cross_corpus"]["pooled"][key]
        else:
            value = stored["pooled"][key] if how == "pooled" else stored["mean"][key][how]
    except (KeyError, TypeError):
        return None
    return None if value is None else float(value)


def headline(metrics: Mapping[str, Any], key: str = "uar") -> float | None:
    """A model's headline fold-mean figure: the headline protocol, one clip at a time."""
    return figure(metrics, HEADLINE_PROTOCOL, "none", key)
