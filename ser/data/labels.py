"""Emotion labels: one normalised vocabulary and each corpus's codes mapped onto it.

Every corpus names its emotions differently. ``ser`` maps them all onto
``EMOTIONS`` = neutral, calm, happy, sad, angry, fearful, disgust, surprised.

| emotion   | RAVDESS (3rd field) | TESS (last token)                   | SAVEE | CREMA-D | EmoDB (letter)          |
|-----------|---------------------|-------------------------------------|-------|---------|-------------------------|
| neutral   | 01                  | neutral                             | n     | NEU     | N (neutral)             |
| calm      | 02                  | –                                   | –     | –       | –                       |
| happy     | 03                  | happy                               | h     | HAP     | F (Freude)              |
| sad       | 04                  | sad                                 | sa    | SAD     | T (Trauer)              |
| angry     | 05                  | angry                               | a     | ANG     | W (Ärger)               |
| fearful   | 06                  | fear                                | f     | FEA     | A (Angst)               |
| disgust   | 07                  | disgust                             | d     | DIS     | E (Ekel)                |
| surprised | 08                  | ps (pleasant surprise), surprise(d) | su    | –       | –                       |
| *(none)*  | –                   | –                                   | –     | –       | L (Langeweile, boredom) |

| emotion   | ASED (letter, folder) | EMOVO (1st token) | nEMO (``data.tsv``) | TurEV-DB (code, folder) | URDU (letter, folder) |
|-----------|-----------------------|-------------------|---------------------|-------------------------|-----------------------|
| neutral   | n, 01Neutral          | neu               | neutral             | –                       | N, Neutral            |
| calm      | –                     | –                 | –                   | sk (sakin), Calm        | –                     |
| happy     | h, 03Happy            | gio (gioia)       | happiness           | mt (mutlu), Happy       | H, Happy              |
| sad       | s, 04Sad              | tri (tristezza)   | sadness             | hl (hüzünlü), Sad       | S, Sad                |
| angry     | a, 05Angry            | rab (rabbia)      | anger               | kz (kızgın), Angry      | A, Angry              |
| fearful   | f, 02Fearful          | pau (paura)       | fear                | –                       | –                     |
| disgust   | –                     | dis (disgusto)    | –                   | –                       | –                     |
| surprised | –                     | sor (sorpresa)    | surprised           | –                       | –                     |

TESS also accepts ``pleasant_surprise``/``pleasant_surprised`` as the emotion token. EmoDB boredom
has no place in the vocabulary: those clips are reported as problems
("emotion outside the vocabulary (boredom)"), never dropped silently.

A ``LabelSet`` narrows the vocabulary for one model: merge calm into neutral, and/or
keep only a subset of emotions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ser.errors import ConfigError
from ser.serialize import from_mapping

EMOTIONS: tuple[str, ...] = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")

RAVDESS: dict[str, str] = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}

TESS: dict[str, str] = {
    "angry": "angry",
    "disgust": "disgust",
    "fear": "fearful",
    "happy": "happy",
    "neutral": "neutral",
    "ps": "surprised",
    "pleasant_surprise": "surprised",
    "pleasant_surprised": "surprised",
    "surprise": "surprised",
    "surprised": "surprised",
    "sad": "sad",
}

SAVEE: dict[str, str] = {
    "a": "angry",
    "d": "disgust",
    "f": "fearful",
    "h": "happy",
    "n": "neutral",
    "sa": "sad",
    "su": "surprised",
}

CREMAD: dict[str, str] = {
    "ANG": "angry",
    "DIS": "disgust",
    "FEA": "fearful",
    "HAP": "happy",
    "NEU": "neutral",
    "SAD": "sad",
}

EMODB: dict[str, str] = {
    "W": "angry",
    "E": "disgust",
    "A": "fearful",
    "F": "happy",
    "T": "sad",
    "N": "neutral",
}

ASED: dict[str, str] = {
    "n": "neutral",
    "f": "fearful",
    "h": "happy",
    "s": "sad",
    "a": "angry",
}

# ASED's standard download keeps each emotion in a numbered folder; the number also follows the
# emotion letter in every file name (``a5-...`` lies in ``05Angry/``).
ASED_FOLDERS: dict[str, str] = {
    "01Neutral": "n",
    "02Fearful": "f",
    "03Happy": "h",
    "04Sad": "s",
    "05Angry": "a",
}

EMOVO: dict[str, str] = {
    "dis": "disgust",
    "gio": "happy",
    "neu": "neutral",
    "pau": "fearful",
    "rab": "angry",
    "sor": "surprised",
    "tri": "sad",
}

NEMO: dict[str, str] = {
    "anger": "angry",
    "fear": "fearful",
    "happiness": "happy",
    "neutral": "neutral",
    "sadness": "sad",
    "surprised": "surprised",
}

TUREV: dict[str, str] = {
    "kz": "angry",
    "hl": "sad",
    "mt": "happy",
    "sk": "calm",
}

# TurEV-DB's ``Sound Source/`` folders.
TUREV_FOLDERS: dict[str, str] = {"Angry": "kz", "Sad": "hl", "Happy": "mt", "Calm": "sk"}

URDU: dict[str, str] = {
    "A": "angry",
    "H": "happy",
    "N": "neutral",
    "S": "sad",
}

# URDU's emotion folders; the folder's initial is the letter in the file name.
URDU_FOLDERS: dict[str, str] = {"Angry": "A", "Happy": "H", "Neutral": "N", "Sad": "S"}

# Codes a corpus uses for emotions that are not in EMOTIONS (reported, never mapped).
EMODB_OUTSIDE: dict[str, str] = {"L": "boredom"}


def _check_emotions(names: Iterable[str], what: str) -> None:
    unknown = [n for n in names if n not in EMOTIONS]
    if unknown:
        raise ConfigError(f"Unknown emotion(s) in {what}: {', '.join(map(str, unknown))}; known: {', '.join(EMOTIONS)}.")


@dataclass(frozen=True)
class LabelSet:
    """Which emotions a model predicts: optionally calm merged into neutral, optionally a subset."""

    merge_calm: bool = False
    keep: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.merge_calm, bool):
            raise ConfigError(f"merge_calm must be true or false, not {self.merge_calm!r}.")
        if self.keep is not None:
            if isinstance(self.keep, str):
                raise ConfigError(f"keep must be a list of emotions, not the string {self.keep!r}.")
            keep = tuple(self.keep)
            _check_emotions(keep, "the label set")
            if self.merge_calm and "calm" in keep:
                raise ConfigError("The label set keeps 'calm' but also merges calm into neutral; choose one.")
            object.__setattr__(self, "keep", keep)
        if len(self.labels) < 2:
            raise ConfigError(f"A label set needs at least two emotions, got: {', '.join(self.labels) or 'none'}.")

    @property
    def labels(self) -> tuple[str, ...]:
        """The emotions this set predicts, in ``EMOTIONS`` order."""
        out = [e for e in EMOTIONS if not (self.merge_calm and e == "calm")]
        if self.keep is not None:
            out = [e for e in out if e in self.keep]
        return tuple(out)

    def apply(self, emotion: str) -> str | None:
        """Map a vocabulary emotion to this set's label, or ``None`` if the set excludes it."""
        _check_emotions([emotion], "apply()")
        if self.merge_calm and emotion == "calm":
            emotion = "neutral"
        return emotion if emotion in self.labels else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict; ``from_dict`` reads it back."""
        return {"merge_calm": self.merge_calm, "keep": None if self.keep is None else list(self.keep)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelSet:
        """Build a label set from ``to_dict`` output; unknown keys or emotions raise ``ConfigError``."""
        return from_mapping(cls, data)
