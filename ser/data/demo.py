"""Demo speakers: a few named speakers whose clips the shipped default model never heard.

The default recipe leaves them out of its final fit (``ModelSpec.holdout_speakers``), so the
Analyze page can offer their clips as honest examples ("this speaker was not in training") and a
test can check that the shipped model recognises emotions of voices it never heard. Their audio is
read from the corpora folder when it is there; it is never part of the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ser.data.labels import EMOTIONS
from ser.data.sources import corpus_title

# One man and one woman from each of two corpora: English (RAVDESS actors 13 and 14) and Polish (nEMO).
DEMO_SPEAKERS: tuple[str, ...] = ("ravdess_13", "ravdess_14", "nemo_SM0", "nemo_KD0")


@dataclass(frozen=True)
class DemoExample:
    """One demo clip: where it is and what it holds."""

    path: str
    corpus: str
    speaker: str
    emotion: str
    gender: str | None

    @property
    def title(self) -> str:
        who = f"{corpus_title(self.corpus)} speaker {self.speaker.split('_', 1)[-1]}"
        return f"{self.emotion} · {who}" + (f" ({self.gender})" if self.gender else "")


def demo_examples(source: str | Path, speakers: Sequence[str] = DEMO_SPEAKERS, per_emotion: int = 1) -> list[DemoExample]:
    """Up to ``per_emotion`` clips of each demo speaker and emotion found in ``source`` (a corpora
    folder or manifest, as ``load_corpus`` reads it), in a fixed order; [] when there is none."""
    from ser.data.corpora import load_corpus
    from ser.errors import SerError

    try:
        rows = [r for r in load_corpus(source).rows if r.speaker in speakers]
    except (SerError, OSError):
        return []
    order = {s: i for i, s in enumerate(speakers)}
    rows.sort(key=lambda r: (EMOTIONS.index(r.emotion) if r.emotion in EMOTIONS else 99, order[r.speaker], Path(r.path).name))
    taken: dict[tuple[str, str], int] = {}
    out = []
    for r in rows:
        key = (r.speaker, r.emotion)
        if taken.get(key, 0) < per_emotion and Path(r.path).is_file():
            taken[key] = taken.get(key, 0) + 1
            out.append(DemoExample(str(r.path), r.dataset, r.speaker, r.emotion, r.gender))
    return out
