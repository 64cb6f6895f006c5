"""Corpora: recognise emotional-speech files by name, scan folders, read manifests.

Ten corpora are recognised from their file names (any audio extension):

- RAVDESS ``03-01-05-02-01-01-12`` (modality-channel-emotion-intensity-statement-repetition-actor)
- TESS ``OAF_bite_angry`` / ``YAF_bite_ps`` (the quirky ``OA_bite_neutral`` counts as OAF)
- SAVEE ``DC_a01`` (flat) or ``DC/a01`` (speaker folder)
- CREMA-D ``1001_DFA_ANG_XX`` (gender from a ``VideoDemographics.csv`` when one is found)
- EmoDB ``03a01Fa``
- ASED ``05Angry/a5-03-01-02-50`` (emotion+folder number, sentence, repetition, gender, speaker)
- EMOVO ``f1/rab-f1-b1`` (emotion, speaker, sentence)
- TurEV-DB ``Sound Source/Angry/1157_kz_elma`` (speaker, emotion code, word)
- URDU ``Angry/SM1_F10_A010`` (speaker SM*/SF*, file, emotion letter + number)
- nEMO ``samples/EB0_anger_1`` with labels, speaker and gender from the ``data.tsv`` next to
  ``samples/`` when one is found (by name alone otherwise)

Where a corpus also encodes the emotion (or speaker) in a folder, a folder that contradicts the
name is reported as a problem rather than guessed.

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
DATASETS: tuple[str, ...] = ("ravdess", "tess", "savee", "cremad", "emodb", "ased", "emovo", "turev", "urdu", "nemo")
DEMOGRAPHICS_FILE = "VideoDemographics.csv"
NEMO_TABLE = "data.tsv"

REASON_UNKNOWN_NAME = "name no corpus uses"
REASON_MISSING = "file listed but missing"
REASON_NOT_LISTED = f"not listed in the nEMO {NEMO_TABLE}"


class UnrecognisedName(ValueError):
    """A file name does not follow a corpus's naming scheme."""


class UnusableFile(UnrecognisedName):
    """A name that is clearly one corpus's, but the file cannot be used; the message is the reason.

    Scans report it as a problem with that reason instead of trying the other corpora.
    """


class OutsideVocabulary(UnusableFile):
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


_ASED_RE = re.compile(r"^([nfhsa])([1-5])-(\d\d)-(0[12])-(0[12])-(\d\d)$", re.IGNORECASE)
_ASED_NUMBER = {"n": "1", "f": "2", "h": "3", "s": "4", "a": "5"}
_ASED_GENDER = {"01": "female", "02": "male"}
_EMOVO_RE = re.compile(r"^([a-z]{3})-([fm][1-3])-([a-z]\d)$")
_TUREV_RE = re.compile(r"^(\d{4})_([a-z]{2})_([^\W_]+)$")
_URDU_RE = re.compile(r"^(S([MF])\d+)_F\d+_([A-Z])\d+$")
_NEMO_RE = re.compile(r"^([A-Z]{2}\d)_([a-z]+)_(\d+)$")
# The nine nEMO actors and their gender, as in the corpus's data.tsv.
_NEMO_GENDER = {s: "female" for s in ("EB0", "IC0", "KD0", "MK0")} | {
    s: "male" for s in ("KS0", "MP0", "SM0", "TP0", "WR0")
}


def _folder_conflict(corpus: str, folder: str, folder_code: str | None, code: str) -> None:
    """Raise when a file lies in one of ``corpus``'s emotion folders that contradicts its name."""
    if folder_code is not None and folder_code != code:
        raise UnusableFile(f"{corpus} name and folder disagree on the emotion ({code} in {folder}/)")


def parse_ased(path: str | Path) -> Row:
    """Parse ASED ``a5-03-01-02-50``: emotion letter with its folder number (n1 f2 h3 s4 a5),
    sentence, repetition 01/02, gender 01 female / 02 male, speaker 01-65."""
    p = Path(path)
    m = _ASED_RE.match(p.stem)
    if not m:
        raise UnrecognisedName("not ASED e1-SS-RR-GG-PP (emotion letter and folder number, sentence, repetition, gender, speaker)")
    letter, number, _sentence, _repetition, gender, speaker = m.groups()
    letter = letter.lower()
    if _ASED_NUMBER[letter] != number:
        raise UnrecognisedName(f"ASED emotion {letter}{number}: letter and folder number disagree")
    if not 1 <= int(speaker) <= 65:
        raise UnrecognisedName(f"ASED speaker {speaker} not in 01-65")
    _folder_conflict("ASED", p.parent.name, L.ASED_FOLDERS.get(p.parent.name), letter)
    return Row(path=str(path), dataset="ased", speaker=f"ased_{speaker}", emotion=L.ASED[letter], gender=_ASED_GENDER[gender])


def parse_emovo(path: str | Path) -> Row:
    """Parse EMOVO ``rab-f1-b1`` (emotion, actor f1-f3 / m1-m3, sentence), usually in a speaker folder."""
    p = Path(path)
    m = _EMOVO_RE.match(p.stem.lower())
    if not m:
        raise UnrecognisedName("not EMOVO emo-SPEAKER-sentence like rab-f1-b1")
    code, speaker, _sentence = m.groups()
    if code not in L.EMOVO:
        raise UnrecognisedName(f"unknown EMOVO emotion {code!r}")
    folder = p.parent.name.lower()
    if re.fullmatch(r"[fm][1-3]", folder) and folder != speaker:
        raise UnusableFile(f"EMOVO name and folder disagree on the speaker ({speaker} in {p.parent.name}/)")
    return Row(
        path=str(path),
        dataset="emovo",
        speaker=f"emovo_{speaker}",
        emotion=L.EMOVO[code],
        gender="female" if speaker[0] == "f" else "male",
    )


def parse_turev(path: str | Path) -> Row:
    """Parse TurEV-DB ``1157_kz_elma`` (speaker, emotion code kz/hl/mt/sk, word), in ``Sound Source/<Emotion>/``."""
    p = Path(path)
    m = _TUREV_RE.match(p.stem)
    if not m:
        raise UnrecognisedName("not TurEV-DB SPEAKER_code_word like 1157_kz_elma")
    speaker, code, _word = m.groups()
    if code not in L.TUREV:
        raise UnrecognisedName(f"unknown TurEV-DB emotion code {code!r}")
    _folder_conflict("TurEV-DB", p.parent.name, L.TUREV_FOLDERS.get(p.parent.name), code)
    return Row(path=str(path), dataset="turev", speaker=f"turev_{speaker}", emotion=L.TUREV[code])


def parse_urdu(path: str | Path) -> Row:
    """Parse URDU ``SM1_F10_A010`` (speaker SM<n> male / SF<n> female, file, emotion letter A/H/N/S + number)."""
    p = Path(path)
    m = _URDU_RE.match(p.stem)
    if not m:
        raise UnrecognisedName("not URDU SPEAKER_Fn_En like SM1_F10_A010")
    speaker, sex, letter = m.groups()
    if letter not in L.URDU:
        raise UnrecognisedName(f"unknown URDU emotion letter {letter!r}")
    _folder_conflict("URDU", p.parent.name, L.URDU_FOLDERS.get(p.parent.name), letter)
    return Row(
        path=str(path), dataset="urdu", speaker=f"urdu_{speaker}", emotion=L.URDU[letter], gender="male" if sex == "M" else "female"
    )


@dataclass(frozen=True)
class NemoEntry:
    """One line of nEMO's ``data.tsv``: the file name, raw emotion label, speaker id and gender."""

    file: str
    emotion: str
    speaker: str
    gender: str | None


def parse_nemo(path: str | Path, table: dict[str, NemoEntry] | None = None) -> Row:
    """Parse nEMO ``EB0_anger_1`` (speaker, emotion, sentence).

    With ``table`` (file stem -> entry, from ``read_nemo_table``) the labels come from the corpus's
    ``data.tsv`` and a file it does not list raises ``UnusableFile``; without one, the name is read
    and only the nine nEMO speakers are accepted.
    """
    stem = Path(path).stem
    if table is not None:
        entry = table.get(stem)
        if entry is None:
            raise UnusableFile(REASON_NOT_LISTED)
        if entry.emotion not in L.NEMO:
            raise UnusableFile(f"unknown nEMO emotion {entry.emotion!r} in {NEMO_TABLE}")
        speaker = entry.speaker or stem.split("_")[0]
        return Row(
            path=str(path),
            dataset="nemo",
            speaker=f"nemo_{speaker}",
            emotion=L.NEMO[entry.emotion],
            gender=entry.gender or _NEMO_GENDER.get(speaker),
        )
    m = _NEMO_RE.match(stem)
    if not m:
        raise UnrecognisedName("not nEMO SPEAKER_emotion_n like EB0_anger_1")
    speaker, emotion, _sentence = m.groups()
    if speaker not in _NEMO_GENDER:
        raise UnrecognisedName(f"nEMO speaker {speaker} unknown")
    if emotion not in L.NEMO:
        raise UnrecognisedName(f"unknown nEMO emotion {emotion!r}")
    return Row(path=str(path), dataset="nemo", speaker=f"nemo_{speaker}", emotion=L.NEMO[emotion], gender=_NEMO_GENDER[speaker])



PARSERS: dict[str, Callable[[str | Path], Row]] = {
    "ravdess": parse_ravdess,
    "tess": parse_tess,
    "savee": parse_savee,
    "cremad": parse_cremad,
    "emodb": parse_emodb,
    "ased": parse_ased,
    "emovo": parse_emovo,
    "turev": parse_turev,
    "urdu": parse_urdu,
    "nemo": parse_nemo,
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


NEMO_COLUMNS: tuple[str, ...] = ("file_id", "emotion", "speaker_id")


def read_nemo_table(tsv_path: str | Path) -> dict[str, NemoEntry] | None:
    """File stem -> ``NemoEntry`` from a nEMO ``data.tsv``; ``None`` when the file lacks nEMO's
    columns (``file_id``, ``emotion``, ``speaker_id``), i.e. is some other ``data.tsv``.

    Unreadable files raise ``CorpusError``. Fields are stripped (nEMO pads ``speaker_id`` with spaces).
    """
    try:
        with Path(tsv_path).open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [h.strip() for h in reader.fieldnames or []]
            if any(c not in header for c in NEMO_COLUMNS):
                return None
            reader.fieldnames = header
            table: dict[str, NemoEntry] = {}
            for rec in reader:
                file = (rec.get("file_id") or "").strip()
                if not file:
                    continue
                gender = (rec.get("gender") or "").strip().lower()
                table[Path(file).stem] = NemoEntry(
                    file=file,
                    emotion=(rec.get("emotion") or "").strip().lower(),
                    speaker=(rec.get("speaker_id") or "").strip(),
                    gender=gender if gender in ("male", "female") else None,
                )
            return table
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CorpusError(f"Cannot read nEMO table {tsv_path}: {err}") from err


class _NemoTables:
    """Finds the nearest nEMO ``data.tsv`` at or above a file, up to a root; cached."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, dict[str, NemoEntry] | None] = {}

    def for_file(self, path: Path) -> dict[str, NemoEntry] | None:
        folder = path.parent
        while True:
            if folder not in self._cache:
                candidate = folder / NEMO_TABLE
                self._cache[folder] = read_nemo_table(candidate) if candidate.is_file() else None
            if self._cache[folder] is not None:
                return self._cache[folder]
            if folder == self.root or folder.parent == folder or self.root not in folder.parents:
                return None
            folder = folder.parent

    def missing(self, files: list[Path]) -> list[Problem]:
        """Files that a ``data.tsv`` consulted so far lists but that are not among ``files``."""
        problems = []
        for folder, table in sorted((f, t) for f, t in self._cache.items() if t is not None):
            present = {p.stem for p in files if folder in p.parents}
            problems += [
                Problem(str(folder / "samples" / entry.file), REASON_MISSING)
                for stem, entry in sorted(table.items(), key=lambda kv: natural_key(kv[0]))
                if stem not in present
            ]
        return problems


def _abspath(path: str | Path) -> Path:
    return Path(os.path.abspath(path))


def _parse(
    path: Path, dataset: str | None, demographics: _Demographics, nemo: _NemoTables | None = None
) -> Row | Problem:
    """Recognise one file: with the named parser, or with whichever corpus's scheme fits."""
    names = [dataset] if dataset else list(PARSERS)
    for name in names:
        try:
            if name == "cremad":
                return parse_cremad(path, demographics.for_file(path))
            if name == "nemo" and nemo is not None:
                return parse_nemo(path, nemo.for_file(path))
            return PARSERS[name](path)
        except UnusableFile as err:
            return Problem(str(path), str(err))
        except UnrecognisedName:
            continue
    return Problem(str(path), f"not a {dataset} file name" if dataset else REASON_UNKNOWN_NAME)


def scan_folder(root: str | Path, dataset: str | None = None) -> CorpusScan:
    """Recognise every audio file under ``root`` by its name (or with the ``dataset`` parser).

    nEMO files under a folder holding nEMO's ``data.tsv`` take their labels from it; files it lists
    that are not found, and files it does not list, become problems. Non-audio files and hidden
    files (``.*``, e.g. macOS ``._x.wav``) are ignored. Row paths are absolute.
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
    nemo = _NemoTables(base)
    scan = CorpusScan()
    for path in files:
        result = _parse(path, dataset, demographics, nemo)
        (scan.rows if isinstance(result, Row) else scan.problems).append(result)
    scan.problems += nemo.missing(files)
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
