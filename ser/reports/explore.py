"""What the Explore data page shows about a corpus: its classes, speakers, one example per emotion and
simple acoustic features per emotion, computed on a bounded, deterministic sample of clips.

The corpus is any folder or manifest ``ser.data.corpora.load_corpus`` reads (RAVDESS, TESS, SAVEE,
CREMA-D and EmoDB layouts, or our ``MANIFEST.csv``). Bad locations raise ``CorpusError`` with
a one-line message for a person.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ser.audio.decode import decode
from ser.data.corpora import DATASETS, CorpusScan, Row, load_corpus
from ser.data.labels import EMOTIONS
from ser.data.splits import natural_key
from ser.errors import AudioError, CorpusError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SER_DATA_DIR"
SAMPLE_RATE = 16_000
HOP = 160  # 10 ms frames for the clip features
FRAME = 1024  # 64 ms analysis window (long enough for a 65 Hz period)
ACTIVE_DB = 40.0  # frames within this many dB of the loudest count as active (not silence)
PITCH_RANGE = (65.0, 600.0)  # Hz searched for the voice's fundamental frequency
MIN_RUN_FRAMES = 3  # a voiced stretch counts from 30 ms

HOW_TO_POINT = (
    "Point this page at a corpus folder or a manifest CSV: set the environment variable `SER_DATA_DIR` before "
    "`streamlit run app.py`, or type the path in the sidebar. Folders laid out as RAVDESS (`Actor_01/03-01-05-…wav`), "
    "TESS (`OAF_bite_angry.wav`), SAVEE (`DC_a01.wav` or `DC/a01.wav`), CREMA-D (`1001_DFA_ANG_XX.wav`) or EmoDB "
    "(`03a01Fa.wav`) are recognised by their file names, in any sub-folder and any audio format; a folder holding a "
    "`MANIFEST.csv` (columns `path,dataset,speaker,emotion[,gender]`) is read from the manifest."
)


@dataclass(frozen=True)
class Feature:
    title: str
    unit: str
    meaning: str


FEATURES: dict[str, Feature] = {
    "pitch_hz": Feature("Median pitch", "Hz", "median fundamental frequency (pYIN) of the voiced frames"),
    "pitch_range_st": Feature("Pitch range", "semitones", "spread of the voiced frames' pitch, 10th to 90th percentile"),
    "loudness_dbfs": Feature("Loudness", "dBFS", "RMS level of the voiced frames (corpora are recorded at different levels)"),
    "centroid_hz": Feature("Spectral centroid", "Hz", "mean spectral centroid of the active frames (brightness)"),
    "voiced_pct": Feature("Voiced share", "%", "share of the active frames that are voiced"),
    "voiced_rate": Feature("Voiced stretches per second", "1/s", "voiced stretches (≥ 30 ms) per second of active time: a rough syllable rate"),
    "duration_s": Feature("Duration", "s", "length of the whole clip, silence included"),
}


def default_source(env: dict[str, str] | None = None) -> str:
    """``$SER_DATA_DIR``, else ``../shared/data/corpora`` next to the project when it exists, else ``""``."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_VAR, "").strip():
        return env[ENV_VAR].strip()
    shared = PROJECT_ROOT.parent / "shared" / "data" / "corpora"
    return str(shared) if shared.is_dir() else ""


def resolve_source(text: str) -> Path:
    """A typed location as an absolute path (relative ones are relative to the project root)."""
    text = text.strip().strip('"').strip("'")
    if not text:
        raise CorpusError("No corpus folder or manifest is set.")
    path = Path(text).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def load_source(text: str) -> CorpusScan:
    """Rows of the corpus at ``text``; ``CorpusError`` with a human message when there are none."""
    path = resolve_source(text)
    if not path.exists():
        raise CorpusError(f"Nothing exists at {path}.")
    if path.is_file() and path.suffix.lower() != ".csv":
        raise CorpusError(f"{path.name} is a file but not a manifest CSV; give a corpus folder or a manifest.")
    try:
        scan = load_corpus(path)
    except OSError as exc:
        raise CorpusError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    if not scan.rows:
        if scan.problems:
            examples = ", ".join(Path(p.path).name for p in scan.problems[:3])
            raise CorpusError(f"None of the {len(scan.problems)} files at {path} could be used "
                              f"(e.g. {examples}: {scan.problems[0].reason}).")
        raise CorpusError(f"{path} lists no clips.")
    return scan


# --------------------------------------------------------------------------- tables


def _datasets(rows: Sequence[Row]) -> list[str]:
    present = {r.dataset for r in rows}
    return [d for d in DATASETS if d in present] + sorted(present - set(DATASETS))


def _emotions(rows: Sequence[Row]) -> list[str]:
    present = {r.emotion for r in rows}
    return [e for e in EMOTIONS if e in present] + sorted(present - set(EMOTIONS))


def class_counts(rows: Sequence[Row]) -> pd.DataFrame:
    """Clips per emotion (rows, vocabulary order) and dataset (columns), with zeros where a dataset lacks one."""
    table = pd.DataFrame(0, index=_emotions(rows), columns=_datasets(rows), dtype=int)
    for r in rows:
        table.loc[r.emotion, r.dataset] += 1
    table.index.name = "emotion"
    return table


def speaker_table(rows: Sequence[Row]) -> pd.DataFrame:
    """One row per speaker (dataset order, then natural order): dataset, gender, clips, emotions covered."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r.speaker].append(r)
    order = {d: i for i, d in enumerate(_datasets(rows))}
    records = []
    for speaker in sorted(groups, key=lambda s: (order[groups[s][0].dataset], natural_key(s))):
        own = groups[speaker]
        genders = {r.gender for r in own if r.gender}
        records.append({
            "speaker": speaker,
            "dataset": own[0].dataset,
            "gender": genders.pop() if len(genders) == 1 else ("mixed" if genders else "unknown"),
            "clips": len(own),
            "emotions": len({r.emotion for r in own}),
        })
    return pd.DataFrame(records, columns=["speaker", "dataset", "gender", "clips", "emotions"])


def dataset_table(rows: Sequence[Row]) -> pd.DataFrame:
    """One row per dataset: clips, speakers by gender, emotions, clips per speaker."""
    speakers = speaker_table(rows)
    records = []
    for dataset in _datasets(rows):
        part = speakers[speakers["dataset"] == dataset]
        records.append({
            "dataset": dataset,
            "clips": int(part["clips"].sum()),
            "speakers": len(part),
            "female": int((part["gender"] == "female").sum()),
            "male": int((part["gender"] == "male").sum()),
            "mixed": int((part["gender"] == "mixed").sum()),  # a speaker id whose files name both genders
            "gender unknown": int((~part["gender"].isin(["female", "male", "mixed"])).sum()),
            "emotions": len({r.emotion for r in rows if r.dataset == dataset}),
            "clips per speaker": f"{int(part['clips'].min())}–{int(part['clips'].max())}" if part["clips"].nunique() > 1
            else str(int(part["clips"].iloc[0])),
        })
    table = pd.DataFrame(records)
    return table.drop(columns="mixed") if not table.empty and not table["mixed"].any() else table


# --------------------------------------------------------------------------- examples and samples


def _stable(text: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def examples(rows: Sequence[Row], dataset: str) -> dict[str, Row]:
    """One clip per emotion of ``dataset``, from one speaker when a speaker has them all, so that the
    differences between the examples are the emotion's and not the voice's. Normal intensity preferred."""
    own = [r for r in rows if r.dataset == dataset]
    wanted = _emotions(own)
    by_speaker: dict[str, set[str]] = defaultdict(set)
    for r in own:
        by_speaker[r.speaker].add(r.emotion)
    complete = sorted((s for s, e in by_speaker.items() if e >= set(wanted)), key=natural_key)
    pool = [r for r in own if r.speaker == complete[0]] if complete else own
    out = {}
    for emotion in wanted:
        candidates = [r for r in pool if r.emotion == emotion] or [r for r in own if r.emotion == emotion]
        candidates.sort(key=lambda r: (r.intensity == "strong", natural_key(Path(r.path).name)))
        out[emotion] = candidates[0]
    return out


def sample_rows(rows: Sequence[Row], per_emotion: int, seed: int = 0) -> list[Row]:
    """Up to ``per_emotion`` clips per (dataset, emotion), spread over speakers in turn, in a fixed
    pseudo-random order (the same rows for the same corpus and seed)."""
    if per_emotion < 1:
        return []
    groups: dict[tuple[str, str], dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[(r.dataset, r.emotion)][r.speaker].append(r)
    chosen: list[Row] = []
    order_d, order_e = _datasets(rows), _emotions(rows)
    for key in sorted(groups, key=lambda k: (order_d.index(k[0]), order_e.index(k[1]))):
        speakers = groups[key]
        queues = [sorted(speakers[s], key=lambda r: _stable(Path(r.path).name, seed))
                  for s in sorted(speakers, key=lambda s: _stable(s, seed))]
        picked: list[Row] = []
        depth = 0
        while len(picked) < per_emotion and any(depth < len(q) for q in queues):
            picked += [q[depth] for q in queues if depth < len(q)][: per_emotion - len(picked)]
            depth += 1
        chosen += picked
    return chosen


# --------------------------------------------------------------------------- clip features


def _runs(flags: np.ndarray, minimum: int) -> int:
    """Number of runs of True at least ``minimum`` long."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts, ends = np.where(edges == 1)[0], np.where(edges == -1)[0]
    return int(np.sum(ends - starts >= minimum))


def clip_features(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Pitch, loudness, brightness and voicing of one mono clip (NaN for what it lacks, e.g. no voiced frame)."""
    import librosa

    y = np.asarray(samples, dtype=np.float32)
    duration = len(y) / sample_rate
    nan = float("nan")
    out = dict.fromkeys(FEATURES, nan)
    out["duration_s"] = duration
    if len(y) < FRAME:
        return out
    rms = librosa.feature.rms(y=y, frame_length=FRAME, hop_length=HOP, center=True)[0]
    level = 20 * np.log10(np.maximum(rms, 1e-10))
    active = level >= level.max() - ACTIVE_DB
    centroid = librosa.feature.spectral_centroid(y=y, sr=sample_rate, n_fft=FRAME, hop_length=HOP, center=True)[0]
    f0, voiced, _ = librosa.pyin(y, fmin=PITCH_RANGE[0], fmax=PITCH_RANGE[1], sr=sample_rate, frame_length=FRAME,
                                 hop_length=HOP, resolution=0.25, center=True)
    n = min(len(rms), len(voiced), len(centroid))
    active, voiced, f0, centroid, rms = active[:n], voiced[:n] & active[:n], f0[:n], centroid[:n], rms[:n]
    if active.any():
        out["centroid_hz"] = float(centroid[active].mean())
        out["voiced_pct"] = float(100 * voiced.sum() / active.sum())
        active_seconds = active.sum() * HOP / sample_rate
        out["voiced_rate"] = float(_runs(voiced, MIN_RUN_FRAMES) / active_seconds)
    pitched = f0[voiced & np.isfinite(f0)]
    if len(pitched):
        out["pitch_hz"] = float(np.median(pitched))
        low, high = np.percentile(pitched, [10, 90])
        out["pitch_range_st"] = float(12 * np.log2(high / low))
        out["loudness_dbfs"] = float(20 * np.log10(max(np.sqrt(np.mean(rms[voiced] ** 2)), 1e-10)))
    return out


def file_features(path: str) -> dict[str, float]:
    """``clip_features`` of an audio file (decoded to 16 kHz mono); ``AudioError`` if it cannot be decoded."""
    return clip_features(decode(path, target_rate=SAMPLE_RATE).samples, SAMPLE_RATE)


def feature_table(rows: Sequence[Row], values: Sequence[dict[str, float] | None]) -> pd.DataFrame:
    """One row per sampled clip: dataset, emotion, speaker, gender, file and its features (None → left out)."""
    records = []
    for row, features in zip(rows, values, strict=True):
        if features is None:
            continue
        records.append({"dataset": row.dataset, "emotion": row.emotion, "speaker": row.speaker,
                        "gender": row.gender or "unknown", "file": Path(row.path).name, **features})
    return pd.DataFrame(records, columns=["dataset", "emotion", "speaker", "gender", "file", *FEATURES])


def feature_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median of every feature per dataset and emotion, with the number of clips behind it."""
    if table.empty:
        return pd.DataFrame(columns=["dataset", "emotion", "clips", *FEATURES])
    grouped = table.groupby(["dataset", "emotion"], sort=False)
    summary = grouped[list(FEATURES)].median()
    summary.insert(0, "clips", grouped.size())
    return summary.reset_index()


def compute_features(rows: Sequence[Row], progress=None) -> tuple[pd.DataFrame, list[str]]:
    """Features of ``rows`` one by one (``progress(done, total)`` after each) and the files that failed, with why."""
    values: list[dict[str, float] | None] = []
    failed: list[str] = []
    for i, row in enumerate(rows, 1):
        try:
            values.append(file_features(row.path))
        except AudioError as exc:
            values.append(None)
            failed.append(exc.message)
        if progress is not None:
            progress(i, len(rows))
    return feature_table(rows, values), failed
