"""The model picker's entries: the default first, then the other strong models, then the baselines,
each labelled with its stored speaker-independent RAVDESS accuracy (``metrics.json``).

A model is a **baseline** when its stored accuracy is more than ``BASELINE_GAP`` below the default's (or
it has none): it is there to show what the default gains, not to be used. With no default figure,
nothing is called a baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

from ser.models.artifacts import ModelError, default_model_name, headline, list_models, models_dir

BASELINE_GAP = 0.15  # accuracy (0–1) below the default's that makes a model a baseline


@dataclass(frozen=True)
class MenuEntry:
    name: str
    accuracy: float | None  # fold-mean accuracy on RAVDESS actors the model never heard (6 folds by actor)
    default: bool = False
    baseline: bool = False

    @property
    def label(self) -> str:
        """``whisper_layers · 73 % ★ default``, ``whisper_head · 71 %``, ``cnn · 28 % · baseline``."""
        figure = f" · {100 * self.accuracy:.0f} %" if self.accuracy is not None else ""
        role = " ★ default" if self.default else " · baseline" if self.baseline else ""
        return f"{self.name}{figure}{role}"


def model_menu() -> list[MenuEntry]:
    """Installed models (``models_dir()``) in the order a picker shows them: the default, then the others, then the
    baselines, each group by accuracy."""
    root = models_dir()
    names = list_models()
    try:
        default = default_model_name()
    except ModelError:
        default = names[0] if names else None

    def accuracy(name: str) -> float | None:
        try:
            return headline(root / name, key="accuracy")
        except ModelError:
            return None

    figures = {name: accuracy(name) for name in names}
    bar = figures.get(default)
    entries = [MenuEntry(name, figures[name], default=name == default,
                         baseline=name != default and bar is not None
                         and (figures[name] is None or figures[name] < bar - BASELINE_GAP))
               for name in names]
    return sorted(entries, key=lambda e: (not e.default, e.baseline, -(e.accuracy or 0.0), e.name))
