"""The model picker's entries: the default first, then the other strong models, then the baselines,
each labelled with its stored leave-one-corpus-out UAR (``metrics.json``): the mean over the corpora, each
held out from training in turn, the closest the stored figures come to a voice from elsewhere. A sentence
for the chosen one also gives its speaker-independent RAVDESS accuracy (which flatters every model: one
studio, one pair of sentences).

A model is a **baseline** when its stored leave-one-corpus-out UAR is more than ``BASELINE_GAP`` below the
default's (or it has none): it is there to show what the default gains, not to be used. With no default
figure, nothing is called a baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ser.evaluation.protocols import figure, headline, stored_chance
from ser.models.artifacts import ModelError, default_model_name, list_models, models_dir, read_json

BASELINE_GAP = 0.10  # leave-one-corpus-out UAR (0–1) below the default's that makes a model a baseline


@dataclass(frozen=True)
class MenuEntry:
    name: str
    accuracy: float | None  # fold-mean accuracy on RAVDESS actors the model never heard (6 folds by actor)
    default: bool = False
    baseline: bool = False
    new_corpus_uar: float | None = None  # leave one corpus out: mean UAR over the held-out corpora (0–1)
    new_corpus_chance: float | None = None  # its chance level, the mean over those corpora of 1 / their classes

    @property
    def label(self) -> str:
        """``whisper_layers · 44 % ★ default``, ``whisper_head · 37 %``, ``lstm · 29 % · baseline``: the % is
        the leave-one-corpus-out UAR."""
        figure = f" · {100 * self.new_corpus_uar:.0f} %" if self.new_corpus_uar is not None else ""
        role = " ★ default" if self.default else " · baseline" if self.baseline else ""
        return f"{self.name}{figure}{role}"

    @property
    def summary(self) -> str:
        """Both stored figures in words, for under the picker: leave one corpus out first (what a new voice should
        expect), then the RAVDESS accuracy, which flatters every model (one studio, one pair of sentences)."""
        pct = "\u00a0%"  # no-break space: "44 %" never splits across the sidebar's lines
        ravdess = ("Not evaluated on RAVDESS actors it never heard." if self.accuracy is None
                   else f"{100 * self.accuracy:.0f}{pct} right on RAVDESS actors it never heard (one studio).")
        if self.new_corpus_uar is None:
            return f"Not tested on a corpus it never heard: expect less on your voice. {ravdess}"
        chance = "" if self.new_corpus_chance is None else f" (chance {100 * self.new_corpus_chance:.0f}{pct})"
        return (f"{100 * self.new_corpus_uar:.0f}{pct} UAR{chance} on whole corpora it never heard (other languages "
                f"and studios): what a new voice should expect. {ravdess}")


def model_menu() -> list[MenuEntry]:
    """Installed models (``models_dir()``) in the order a picker shows them: the default, then the others, then the
    baselines, each group by leave-one-corpus-out UAR, then by RAVDESS accuracy."""
    root = models_dir()
    names = list_models()
    try:
        default = default_model_name()
    except ModelError:
        default = names[0] if names else None

    def stored(name: str) -> dict[str, Any]:  # metrics.json; {} when absent or unreadable
        path = root / name / "metrics.json"
        try:
            metrics = read_json(path) if path.is_file() else {}
        except ModelError:
            return {}
        return metrics if isinstance(metrics, dict) else {}

    metrics = {name: stored(name) for name in names}
    figures = {name: figure(metrics[name], "loco", "none", "uar") for name in names}
    bar = figures.get(default)
    entries = []
    for name in names:
        uar = figures[name]
        entries.append(MenuEntry(name, headline(metrics[name], "accuracy"), default=name == default,
                                 baseline=name != default and bar is not None and (uar is None or uar < bar - BASELINE_GAP),
                                 new_corpus_uar=uar, new_corpus_chance=stored_chance(metrics[name], "loco") if uar is not None else None))
    return sorted(entries, key=lambda e: (not e.default, e.baseline, -(e.new_corpus_uar or 0.0), -(e.accuracy or 0.0), e.name))
