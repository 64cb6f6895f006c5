"""Corpora: recognise emotional-speech files by name, scan folders, read manifests.

Five corpora are recognised from their file names (any audio extension):

- RAVDESS ``03-01-05-02-01-01-12`` (modality-channel-emotion-intensity-statement-repetition-actor)
- TESS ``OAF_bite_angry`` / ``YAF_bite_ps`` (the quirky ``OA_bite_neutral`` counts as OAF)
- SAVEE ``DC_a01`` (flat) or ``DC/a01`` (speaker folder)
- CREMA-D ``1001_DFA_ANG_XX`` (gender from a ``VideoDemographics.csv`` when one is found)
- EmoDB ``03a01Fa``

Speakers are prefixed with the dataset (``ravdess_01``, ``tess_OAF``) so ids never collide
across corpora. Anything that cannot be used becomes a ``Problem`` with a reason; nothing is
dropped silently.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ser.data import labels as L
from ser.data.labels import EMOTIONS, LabelSet
from ser.data.splits import natural_key
from ser.errors import CorpusError

AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".webm", ".aiff", ".aif"}
)
DATASETS: tuple[str, ...] = ("ravdess", "tess", "savee", "cremad", "emodb")
DEMOGRAPHICS_FILE = "VideoDemographics.csv"

REASON_UNKNOWN_NAME = "name no corpus uses"
REASON_MISSING = "file listed but missing"


class UnrecognisedName(ValueError):
    """A file name does not follow a corpus's naming scheme."""


class OutsideVocabulary(UnrecognisedName):
    """A valid corpus name whose emotion has no place in ``EMOTIONS`` (e.g. EmoDB boredom)."""

    def __init__(self, emotion: str) -> None:
        super().__init__(f"emotion outside the vocabulary ({emotion})")
        self.emotion = emotion


@dataclass(frozen=True)
class Row:
    """One labelled audio file."""

    path: str
    dataset: str
    speaker: str
    emotion: str
    gender: str | None = None
    intensity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as a plain dict."""
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    """A file that could not become a row, and why."""

    path: str
    reason: str


# --------------------------------------------------------------------------- parsers

_RAVDESS_RE = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
_SAVEE_SPEAKERS = ("DC", "JE", "JK", "KL")
_SAVEE_FLAT_RE = re.compile(r"^(DC|JE|JK|KL)_(sa|su|a|d|f|h|n)(\d\d)$")
_SAVEE_CODE_RE = re.compile(r"^(sa|su|a|d|f|h|n)(\d\d)$")
_CREMAD_RE = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")
_CREMAD_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
_EMODB_RE = re.compile(r"^(\d\d)([ab]\d\d)([A-Z])([a-z])$")
_EMODB_GENDER = {s: "male" for s in ("03", "10", "11", "12", "15")} | {
    s: "female" for s in ("08", "09", "13", "14", "16")
}
_TESS_SPEAKERS = {"OAF": "OAF", "YAF": "YAF", "OA": "OAF"}


def _in_range(field_: str, lo: int, hi: int, what: str) -> int:
    value = int(field_)
    if not lo <= value <= hi:
        raise UnrecognisedName(f"RAVDESS {what} {field_} not in {lo:02d}-{hi:02d}")
    return value


def parse_ravdess(path: str | Path) -> Row:
    """Parse ``MM-VV-EE-II-SS-RR-AA``: modality 01-03, channel 01 speech / 02 song, emotion 01-08,
    intensity 01 normal / 02 strong, statement and repetition 01-02, actor 01-24 (odd = male)."""
    m = _RAVDESS_RE.match(Path(path).stem)
    if not m:
        raise UnrecognisedName("not seven two-digit RAVDESS fields")
    modality, channel, emotion, intensity, statement, repetition, actor = m.groups()
    _in_range(modality, 1, 3, "modality")
    _in_range(channel, 1, 2, "vocal channel")
    _in_range(emotion, 1, 8, "emotion")
    _in_range(intensity, 1, 2, "intensity")
    _in_range(statement, 1, 2, "statement")
    _in_range(repetition, 1, 2, "repetition")
    number = _in_range(actor, 1, 24, "actor")
    return Row(
        path=str(path),
        dataset="ravdess",
        speaker=f"ravdess_{actor}",
        emotion=L.RAVDESS[emotion],
        gender="male" if number % 2 else "female",
        intensity="normal" if intensity == "01" else "strong",
    )


def parse_tess(path: str | Path) -> Row:
    """Parse ``OAF_word_emotion`` / ``YAF_word_emotion`` (both speakers female)."""
    tokens = Path(path).stem.split("_")
    speaker = _TESS_SPEAKERS.get(tokens[0])
    if speaker is None or len(tokens) < 3:
        raise UnrecognisedName("not SPEAKER_word_emotion with speaker OAF or YAF")
    tail = "_".join(tokens[-2:]).lower()
    if len(tokens) >= 4 and tail in L.TESS:
        emotion, word = L.TESS[tail], tokens[1:-2]
    elif tokens[-1].lower() in L.TESS:
        emotion, word = L.TESS[tokens[-1].lower()], tokens[1:-1]
    else:
        raise UnrecognisedName(f"unknown TESS emotion {tokens[-1]!r}")
    if not word or not all(w.isalpha() for w in word):
        raise UnrecognisedName("TESS word must be letters")
    return Row(path=str(path), dataset="tess", speaker=f"tess_{speaker}", emotion=emotion, gender="female")


def parse_savee(path: str | Path) -> Row:
    """Parse ``DC_a01`` (flat layout) or ``DC/a01`` (speaker folder); all speakers male."""
    p = Path(path)
    m = _SAVEE_FLAT_RE.match(p.stem)
    if m:
        speaker, code = m.group(1), m.group(2)
    else:
        m = _SAVEE_CODE_RE.match(p.stem)
        if not m or p.parent.name not in _SAVEE_SPEAKERS:
            raise UnrecognisedName("not SPEAKER_code01 or SPEAKER/code01 with speaker DC, JE, JK or KL")
        speaker, code = p.parent.name, m.group(1)
    return Row(path=str(path), dataset="savee", speaker=f"savee_{speaker}", emotion=L.SAVEE[code], gender="male")


def parse_cremad(path: str | Path, demographics: dict[str, str] | None = None) -> Row:
    """Parse ``1001_DFA_ANG_XX`` (actor 1001-1091, sentence, emotion, level LO/MD/HI/XX).

    Gender is not in the name; it comes from ``demographics`` (actor id -> "male"/"female") when given.
    """
    m = _CREMAD_RE.match(Path(path).stem)
    if not m:
        raise UnrecognisedName("not ACTOR_SENTENCE_EMOTION_LEVEL")
    actor, _sentence, emotion, level = m.groups()
    if not 1001 <= int(actor) <= 1091:
        raise UnrecognisedName(f"CREMA-D actor {actor} not in 1001-1091")
    if emotion not in L.CREMAD:
        raise UnrecognisedName(f"unknown CREMA-D emotion {emotion!r}")
    if level not in _CREMAD_LEVELS:
        raise UnrecognisedName(f"unknown CREMA-D level {level!r}")
    return Row(
        path=str(path),
        dataset="cremad",
        speaker=f"cremad_{actor}",
        emotion=L.CREMAD[emotion],
        gender=(demographics or {}).get(actor),
        intensity=_CREMAD_LEVELS[level],
    )


def parse_emodb(path: str | Path) -> Row:
    """Parse ``03a01Fa`` (speaker, text a01-a07/b01-b10, emotion letter, version).

    Boredom (``L``) raises ``OutsideVocabulary``.
    """
    m = _EMODB_RE.match(Path(path).stem)
    if not m:
        raise UnrecognisedName("not SPEAKER TEXT EMOTION VERSION like 03a01Fa")
    speaker, _text, emotion, _version = m.groups()
    if speaker not in _EMODB_GENDER:
        raise UnrecognisedName(f"EmoDB speaker {speaker} unknown")
    if emotion in L.EMODB_OUTSIDE:
        raise OutsideVocabulary(L.EMODB_OUTSIDE[emotion])
    if emotion not in L.EMODB:
        raise UnrecognisedName(f"unknown EmoDB emotion letter {emotion!r}")
    return Row(
        path=str(path), dataset="emodb", speaker=f"emodb_{speaker}", emotion=L.EMODB[emotion], gender=_EMODB_GENDER[speaker]
    )


PARSERS: dict[str, Callable[[str | Path], Row]] = {
    "ravdess": parse_ravdess,
    "tess": parse_tess,
    "savee": parse_savee,
    "cremad": parse_cremad,
    "emodb": parse_emodb,
}


# --------------------------------------------------------------------------- scan results


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class CorpusScan:
    """Rows that can be used, and problems with the files that cannot."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """dataset -> emotion -> number of rows (emotions in ``EMOTIONS`` order)."""
        out: dict[str, dict[str, int]] = {}
        for dataset in sorted({r.dataset for r in self.rows}):
            c = Counter(r.emotion for r in self.rows if r.dataset == dataset)
            out[dataset] = {e: c[e] for e in sorted(c, key=_emotion_order)}
        return out

    @property
    def speakers(self) -> list[str]:
        """Unique speakers, naturally sorted."""
        return sorted({r.speaker for r in self.rows}, key=natural_key)

    def summary(self) -> str:
        """A few human-readable lines: rows per dataset and emotion, speakers, problems by reason."""
        lines = [f"{_plural(len(self.rows), 'row')} from {_plural(len(self.speakers), 'speaker')}"]
        for dataset, emotions in self.counts.items():
            n_rows = sum(emotions.values())
            n_spk = len({r.speaker for r in self.rows if r.dataset == dataset})
            per = ", ".join(f"{e} {n}" for e, n in emotions.items())
            lines.append(f"  {dataset}: {_plural(n_rows, 'row')}, {_plural(n_spk, 'speaker')} ({per})")
        if not self.problems:
            lines.append("No problems.")
            return "\n".join(lines)
        lines.append(f"{_plural(len(self.problems), 'problem')}:")
        by_reason: dict[str, list[str]] = defaultdict(list)
        for p in self.problems:
            by_reason[p.reason].append(Path(p.path).name)
        for reason, names in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"  {_plural(len(names), 'file')}: {reason} (e.g. {', '.join(names[:3])})")
        return "\n".join(lines)


def _emotion_order(emotion: str) -> tuple[int, str]:
    return (EMOTIONS.index(emotion), "") if emotion in EMOTIONS else (len(EMOTIONS), emotion)


# --------------------------------------------------------------------------- folders


def _read_demographics(csv_path: Path) -> dict[str, str]:
    """ActorID -> "male"/"female" from a CREMA-D ``VideoDemographics.csv``."""
    try:
        with csv_path.open(newline="", encoding="utf-8-sig") as f:
            return {
                str(r["ActorID"]).strip(): str(r["Sex"]).strip().lower()
                for r in csv.DictReader(f)
                if r.get("ActorID") and str(r.get("Sex", "")).strip().lower() in ("male", "female")
            }
    except (OSError, UnicodeDecodeError, csv.Error, KeyError) as err:
        raise CorpusError(f"Cannot read CREMA-D demographics {csv_path}: {err}") from err


class _Demographics:
    """Finds the nearest ``VideoDemographics.csv`` at or above a file, up to a root; cached."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, dict[str, str] | None] = {}

    def for_file(self, path: Path) -> dict[str, str] | None:
        folder = path.parent
        while True:
            if folder not in self._cache:
                candidate = folder / DEMOGRAPHICS_FILE
                self._cache[folder] = _read_demographics(candidate) if candidate.is_file() else None
            if self._cache[folder] is not None:
                return self._cache[folder]
            if folder == self.root or folder.parent == folder or self.root not in folder.parents:
                return None
            folder = folder.parent


def _abspath(path: str | Path) -> Path:
    return Path(os.path.abspath(path))


def _parse(path: Path, dataset: str | None, demographics: _Demographics) -> Row | Problem:
    """Recognise one file: with the named parser, or with whichever corpus's scheme fits."""
    names = [dataset] if dataset else list(PARSERS)
    for name in names:
        try:
            if name == "cremad":
                return parse_cremad(path, demographics.for_file(path))
            return PARSERS[name](path)
        except OutsideVocabulary as err:
            return Problem(str(path), str(err))
        except UnrecognisedName:
            continue
    return Problem(str(path), f"not a {dataset} file name" if dataset else REASON_UNKNOWN_NAME)


def scan_folder(root: str | Path, dataset: str | None = None) -> CorpusScan:
    """Recognise every audio file under ``root`` by its name (or with the ``dataset`` parser).

    Non-audio files and hidden files (``.*``, e.g. macOS ``._x.wav``) are ignored. Row paths are absolute.
    """
    if dataset is not None and dataset not in PARSERS:
        raise CorpusError(f"Unknown dataset {dataset!r}; known: {', '.join(DATASETS)}.")
    base = _abspath(root)
    if not base.is_dir():
        raise CorpusError(f"Corpus folder {root} does not exist or is not a folder.")
    files = sorted(
        p
        for p in base.rglob("*")
        if p.suffix.lower() in AUDIO_EXTENSIONS
        and not any(part.startswith(".") for part in p.relative_to(base).parts)
        and p.is_file()
    )
    if not files:
        raise CorpusError(f"No audio files in {root} (looked for {', '.join(sorted(AUDIO_EXTENSIONS))}).")
    demographics = _Demographics(base)
    scan = CorpusScan()
    for path in files:
        result = _parse(path, dataset, demographics)
        (scan.rows if isinstance(result, Row) else scan.problems).append(result)
    return scan


# --------------------------------------------------------------------------- manifests

MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_REQUIRED: tuple[str, ...] = ("path", "dataset", "speaker", "emotion")


def _optional(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def read_manifest(path: str | Path) -> CorpusScan:
    """Read a manifest CSV (``path,dataset,speaker,emotion[,gender][,intensity]``; extra columns ignored).

    Paths are relative to the manifest's folder and come back absolute. Missing files and emotions outside
    the vocabulary become problems. Missing gender/intensity are filled from the file name for known corpora.
    """
    manifest = _abspath(path)
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CorpusError(f"Cannot read manifest {path}: {err}") from err
    missing = [c for c in MANIFEST_REQUIRED if c not in header]
    if missing:
        raise CorpusError(f"Manifest {path} lacks column(s) {', '.join(missing)}; needs {', '.join(MANIFEST_REQUIRED)}.")
    base = manifest.parent
    demographics = _Demographics(base)
    scan = CorpusScan()
    for rec in records:
        rel = (rec.get("path") or "").strip()
        file = _abspath(base / rel)
        values = {c: (rec.get(c) or "").strip() for c in ("dataset", "speaker", "emotion")}
        empty = [c for c in ("path", *values) if not (rel if c == "path" else values[c])]
        if empty:
            scan.problems.append(Problem(str(file) if rel else str(manifest), f"manifest row with empty {', '.join(empty)}"))
            continue
        if values["emotion"] not in EMOTIONS:
            scan.problems.append(Problem(str(file), f"emotion outside the vocabulary ({values['emotion']})"))
            continue
        if not file.is_file():
            scan.problems.append(Problem(str(file), REASON_MISSING))
            continue
        gender, intensity = _optional(rec.get("gender")), _optional(rec.get("intensity"))
        if (gender is None or intensity is None) and values["dataset"] in PARSERS:
            parsed = _parse(file, values["dataset"], demographics)
            if isinstance(parsed, Row):
                gender = gender or parsed.gender
                intensity = intensity or parsed.intensity
        scan.rows.append(Row(str(file), values["dataset"], values["speaker"], values["emotion"], gender, intensity))
    return scan


def load_corpus(path: str | Path, dataset: str | None = None) -> CorpusScan:
    """A manifest CSV, a folder holding ``MANIFEST.csv``, or a folder to scan.

    With a manifest, ``dataset`` keeps only that dataset's rows; with a folder it forces that parser.
    """
    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".csv":
        manifest: Path | None = p
    elif p.is_dir() and (p / MANIFEST_NAME).is_file():
        manifest = p / MANIFEST_NAME
    else:
        manifest = None
    if manifest is None:
        return scan_folder(p, dataset)
    scan = read_manifest(manifest)
    if dataset is not None:
        scan.rows = [r for r in scan.rows if r.dataset == dataset]
        if not scan.rows:
            raise CorpusError(f"Manifest {manifest} has no usable rows for dataset {dataset!r}.")
    return scan


def apply_labels(scan: CorpusScan, label_set: LabelSet) -> CorpusScan:
    """Relabel rows for a label set; rows it excludes move to problems (nothing disappears silently)."""
    out = CorpusScan(problems=list(scan.problems))
    for row in scan.rows:
        label = label_set.apply(row.emotion)
        if label is None:
            out.problems.append(Problem(row.path, f"excluded by the label set ({row.emotion})"))
        else:
            out.rows.append(replace(row, emotion=label))
    return out
