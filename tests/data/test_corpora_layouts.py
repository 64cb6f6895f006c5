"""Standard download layouts of ASED, EMOVO, nEMO, TurEV-DB and URDU: name parsers, folder scans,
ambiguity with the other corpora, and (``data``-marked) every real manifest row of the five."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from ser import testing
from ser.data.corpora import (
    DATASETS,
    NEMO_TABLE,
    PARSERS,
    REASON_MISSING,
    REASON_NOT_LISTED,
    REASON_UNKNOWN_NAME,
    NemoEntry,
    Row,
    UnrecognisedName,
    UnusableFile,
    parse_ased,
    parse_emovo,
    parse_nemo,
    parse_turev,
    parse_urdu,
    read_manifest,
    read_nemo_table,
    scan_folder,
)
from ser.data.labels import NEMO

from ..conftest import data_dir

NEW = ("ased", "emovo", "turev", "urdu", "nemo")
_WAV = testing.wav_bytes(testing.tone(0.05))


def wav(root: Path, rel: str) -> Path:
    """A tiny generated WAV at ``root/rel`` (never corpus audio)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_WAV)
    return path


def fields(row: Row) -> tuple[str, str, str, str | None]:
    return (row.dataset, row.speaker, row.emotion, row.gender)


def by_name(scan) -> dict[str, tuple]:
    return {Path(r.path).name: fields(r) for r in scan.rows}


def reasons(scan) -> dict[str, str]:
    return {Path(p.path).name: p.reason for p in scan.problems}


NEMO_HEADER = "file_id\temotion\traw_text\tnormalized_text\tspeaker_id\tgender\tage\n"


def nemo_line(file: str, emotion: str, speaker: str, gender: str, text: str = "Lubię czytać przed snem.") -> str:
    # nEMO pads speaker_id with spaces; raw_text may hold typographic and plain quotes.
    return f"{file}\t{emotion}\t{text}\t{text.lower().rstrip('.')}\t        {speaker}\t{gender}\t27\n"


# ----------------------------------------------------------------------------- parsers


def test_datasets_and_parsers_list_the_new_corpora() -> None:
    assert set(NEW) <= set(DATASETS)
    assert set(PARSERS) == set(DATASETS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("05Angry/a5-03-01-02-50.wav", ("ased", "ased_50", "angry", "male")),
        ("01Neutral/n1-01-01-01-19.wav", ("ased", "ased_19", "neutral", "female")),
        ("02Fearful/f2-04-02-02-10.wav", ("ased", "ased_10", "fearful", "male")),
        ("03Happy/h3-07-01-02-60.wav", ("ased", "ased_60", "happy", "male")),
        ("04Sad/S4-04-02-01-29.wav", ("ased", "ased_29", "sad", "female")),  # upper-case letter in the corpus
        ("ased/05/a5-05-01-01-05.opus", ("ased", "ased_05", "angry", "female")),  # re-laid by speaker
    ],
)
def test_parse_ased(name: str, expected: tuple) -> None:
    assert fields(parse_ased(name)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "x5-03-01-02-50.wav",  # unknown emotion letter
        "a3-03-01-02-50.wav",  # letter and folder number disagree (angry is 5)
        "a5-03-03-02-50.wav",  # repetition 03
        "a5-03-01-03-50.wav",  # gender 03
        "a5-03-01-02-66.wav",  # speaker 66
        "a5-03-01-02-00.wav",  # speaker 00
        "a5-03-01-02.wav",  # four fields
        "05-03-01-02-50.wav",
    ],
)
def test_parse_ased_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_ased(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("f1/rab-f1-b1.wav", ("emovo", "emovo_f1", "angry", "female")),
        ("m3/tri-m3-l2.wav", ("emovo", "emovo_m3", "sad", "male")),
        ("dis-m1-n1.wav", ("emovo", "emovo_m1", "disgust", "male")),
        ("f2/gio-f2-d1.wav", ("emovo", "emovo_f2", "happy", "female")),
        ("f3/neu-f3-n5.wav", ("emovo", "emovo_f3", "neutral", "female")),
        ("m2/pau-m2-b3.wav", ("emovo", "emovo_m2", "fearful", "male")),
        ("m1/sor-m1-l4.wav", ("emovo", "emovo_m1", "surprised", "male")),
    ],
)
def test_parse_emovo(name: str, expected: tuple) -> None:
    assert fields(parse_emovo(name)) == expected


@pytest.mark.parametrize("name", ["col-f1-b1.wav", "rab-f4-b1.wav", "rab-x1-b1.wav", "rab-f1.wav", "rabbia-f1-b1.wav"])
def test_parse_emovo_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_emovo(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sound Source/Angry/1157_kz_gunes.wav", ("turev", "turev_1157", "angry", None)),
        ("Sound Source/Sad/7895_hl_ogul1.wav", ("turev", "turev_7895", "sad", None)),
        ("Sound Source/Happy/1358_mt_orgu.wav", ("turev", "turev_1358", "happy", None)),
        ("Sound Source/Calm/7895_sk_rihtim.wav", ("turev", "turev_7895", "calm", None)),
    ],
)
def test_parse_turev(name: str, expected: tuple) -> None:
    assert fields(parse_turev(name)) == expected


@pytest.mark.parametrize("name", ["1157_xx_gunes.wav", "115_kz_gunes.wav", "1157_KZ_gunes.wav", "1157_kz.wav", "1157_kz_a_b.wav"])
def test_parse_turev_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_turev(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Angry/SM1_F10_A010.wav", ("urdu", "urdu_SM1", "angry", "male")),
        ("Happy/SF1_F2_H02.wav", ("urdu", "urdu_SF1", "happy", "female")),
        ("Neutral/SM24_F8_N036.wav", ("urdu", "urdu_SM24", "neutral", "male")),
        ("Sad/SF10_F4_S0100.wav", ("urdu", "urdu_SF10", "sad", "female")),
    ],
)
def test_parse_urdu(name: str, expected: tuple) -> None:
    assert fields(parse_urdu(name)) == expected


@pytest.mark.parametrize("name", ["SM1_F10_X010.wav", "SX1_F10_A010.wav", "SM_F10_A010.wav", "SM1_A010.wav", "SM1_F10_A.wav"])
def test_parse_urdu_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_urdu(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("samples/EB0_anger_1.wav", ("nemo", "nemo_EB0", "angry", "female")),
        ("samples/WR0_surprised_64.wav", ("nemo", "nemo_WR0", "surprised", "male")),
        ("SM0_happiness_12.wav", ("nemo", "nemo_SM0", "happy", "male")),
        ("KD0_fear_2.wav", ("nemo", "nemo_KD0", "fearful", "female")),
        ("MP0_sadness_79.wav", ("nemo", "nemo_MP0", "sad", "male")),
        ("IC0_neutral_9.wav", ("nemo", "nemo_IC0", "neutral", "female")),
    ],
)
def test_parse_nemo_by_name(name: str, expected: tuple) -> None:
    assert fields(parse_nemo(name)) == expected


@pytest.mark.parametrize("name", ["XX0_anger_1.wav", "EB0_boredom_1.wav", "EB0_anger.wav", "EB_anger_1.wav"])
def test_parse_nemo_by_name_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_nemo(name)


def test_parse_nemo_with_table() -> None:
    table = {
        "EB0_anger_1": NemoEntry("EB0_anger_1.wav", "anger", "EB0", "female"),
        "ZZ9_fear_1": NemoEntry("ZZ9_fear_1.wav", "fear", "ZZ9", "male"),  # a speaker the name parser does not know
        "EB0_joy_1": NemoEntry("EB0_joy_1.wav", "joy", "EB0", "female"),
    }
    assert fields(parse_nemo("samples/EB0_anger_1.wav", table)) == ("nemo", "nemo_EB0", "angry", "female")
    assert fields(parse_nemo("samples/ZZ9_fear_1.flac", table)) == ("nemo", "nemo_ZZ9", "fearful", "male")
    with pytest.raises(UnusableFile, match="not listed"):
        parse_nemo("samples/EB0_anger_2.wav", table)
    with pytest.raises(UnusableFile, match="unknown nEMO emotion 'joy'"):
        parse_nemo("samples/EB0_joy_1.wav", table)


@pytest.mark.parametrize(
    ("parser", "name", "reason"),
    [
        (parse_ased, "01Neutral/a5-03-01-02-50.wav", "ASED name and folder disagree"),
        (parse_turev, "Sound Source/Calm/1157_kz_gunes.wav", "TurEV-DB name and folder disagree"),
        (parse_urdu, "Happy/SM1_F10_A010.wav", "URDU name and folder disagree"),
        (parse_emovo, "m1/rab-f1-b1.wav", "EMOVO name and folder disagree on the speaker"),
    ],
)
def test_folder_contradicting_the_name_is_unusable(parser, name: str, reason: str) -> None:
    with pytest.raises(UnusableFile, match=reason):
        parser(name)


# ----------------------------------------------------------------------------- ambiguity

# One name per corpus, old and new; each must be recognised by exactly one parser.
SAMPLES = {
    "ravdess": "03-01-05-02-01-01-12.wav",
    "tess": "OAF_bite_angry.wav",
    "savee": "DC_a01.wav",
    "cremad": "1001_DFA_ANG_XX.wav",
    "emodb": "03a01Fa.wav",
    "ased": "a5-03-01-02-50.wav",
    "emovo": "rab-f1-b1.wav",
    "turev": "1157_kz_gunes.wav",
    "urdu": "SM1_F10_A010.wav",
    "nemo": "SM0_anger_1.wav",  # nEMO's SM0 next to URDU's SM1
}


def accepted_by(name: str) -> list[str]:
    out = []
    for dataset, parser in PARSERS.items():
        try:
            parser(name)
        except UnrecognisedName:
            continue
        out.append(dataset)
    return out


@pytest.mark.parametrize("dataset", list(SAMPLES))
def test_each_name_is_recognised_by_one_corpus_only(dataset: str) -> None:
    assert accepted_by(SAMPLES[dataset]) == [dataset]


@pytest.mark.parametrize(
    "name",
    [
        "05-03-01-02-50.wav",  # ASED-like but digits only: not RAVDESS (five fields) nor ASED
        "a5-03-01-02-50-01-12.wav",  # ASED head on a RAVDESS-length name
        "1157_DFA_ANG_XX.wav",  # CREMA-D shape with a TurEV-DB speaker (actor out of range)
        "1001_kz_ANG_XX.wav",
        "1001_kz.wav",
        "SM1_anger_1.wav",  # nEMO shape with a URDU speaker
        "SM0_F1_A01x.wav",
        "OAF_F10_A010.wav",  # URDU shape with a TESS speaker
        "DC_a01_N01.wav",
        "rab_f1_b1.wav",  # EMOVO with underscores
        "03-a01-Fa.wav",
    ],
)
def test_near_misses_are_recognised_by_no_corpus(name: str) -> None:
    assert accepted_by(name) == []


# ----------------------------------------------------------------------------- folder scans


def test_scan_ased_layout(tmp_path: Path) -> None:
    for rel in (
        "01Neutral/n1-01-01-01-19.wav",
        "02Fearful/f2-04-02-02-10.wav",
        "03Happy/h3-07-01-02-60.wav",
        "04Sad/S4-04-02-01-29.wav",
        "05Angry/a5-05-01-01-21.wav",
        "05Angry/z5-05-01-01-21.wav",  # unknown emotion letter
        "05Angry/h3-05-01-01-21.wav",  # in the wrong folder
    ):
        wav(tmp_path, rel)
    scan = scan_folder(tmp_path)
    assert by_name(scan) == {
        "n1-01-01-01-19.wav": ("ased", "ased_19", "neutral", "female"),
        "f2-04-02-02-10.wav": ("ased", "ased_10", "fearful", "male"),
        "h3-07-01-02-60.wav": ("ased", "ased_60", "happy", "male"),
        "S4-04-02-01-29.wav": ("ased", "ased_29", "sad", "female"),
        "a5-05-01-01-21.wav": ("ased", "ased_21", "angry", "female"),
    }
    assert reasons(scan) == {
        "z5-05-01-01-21.wav": REASON_UNKNOWN_NAME,
        "h3-05-01-01-21.wav": "ASED name and folder disagree on the emotion (h in 05Angry/)",
    }
    forced = scan_folder(tmp_path, "ased")
    assert reasons(forced) == reasons(scan) | {"z5-05-01-01-21.wav": "not a ased file name"}


def test_scan_emovo_layout(tmp_path: Path) -> None:
    for rel in ("f1/rab-f1-b1.wav", "f1/neu-f1-n5.wav", "m3/tri-m3-l2.wav", "m2/sor-m2-d1.wav", "m2/col-m2-d1.wav"):
        wav(tmp_path / "EMOVO", rel)
    scan = scan_folder(tmp_path)
    assert by_name(scan) == {
        "rab-f1-b1.wav": ("emovo", "emovo_f1", "angry", "female"),
        "neu-f1-n5.wav": ("emovo", "emovo_f1", "neutral", "female"),
        "tri-m3-l2.wav": ("emovo", "emovo_m3", "sad", "male"),
        "sor-m2-d1.wav": ("emovo", "emovo_m2", "surprised", "male"),
    }
    assert reasons(scan) == {"col-m2-d1.wav": REASON_UNKNOWN_NAME}  # DEMoS's guilt code is not EMOVO's
    forced = scan_folder(tmp_path, "emovo")
    assert len(forced.rows) == 4
    assert reasons(forced) == {"col-m2-d1.wav": "not a emovo file name"}


def test_scan_turev_layout(tmp_path: Path) -> None:
    for rel in (
        "Sound Source/Angry/1157_kz_gunes.wav",
        "Sound Source/Sad/7895_hl_ogul1.wav",
        "Sound Source/Happy/1358_mt_orgu.wav",
        "Sound Source/Calm/7895_sk_rihtim.wav",
        "Sound Source/Calm/7895_zz_rihtim.wav",  # unknown code
        "Sound Source/Happy/1358_hl_orgu.wav",  # sad code in the Happy folder
    ):
        wav(tmp_path / "TurEV-DB", rel)
    scan = scan_folder(tmp_path / "TurEV-DB")
    assert by_name(scan) == {
        "1157_kz_gunes.wav": ("turev", "turev_1157", "angry", None),
        "7895_hl_ogul1.wav": ("turev", "turev_7895", "sad", None),
        "1358_mt_orgu.wav": ("turev", "turev_1358", "happy", None),
        "7895_sk_rihtim.wav": ("turev", "turev_7895", "calm", None),
    }
    assert reasons(scan) == {
        "7895_zz_rihtim.wav": REASON_UNKNOWN_NAME,
        "1358_hl_orgu.wav": "TurEV-DB name and folder disagree on the emotion (hl in Happy/)",
    }


def test_scan_urdu_layout(tmp_path: Path) -> None:
    for rel in ("Angry/SM1_F10_A010.wav", "Happy/SF1_F2_H02.wav", "Neutral/SM24_F8_N036.wav", "Sad/SF10_F4_S0100.wav"):
        wav(tmp_path, rel)
    wav(tmp_path, "Sad/SM1_F10_Q010.wav")  # unknown emotion letter
    wav(tmp_path, "Sad/SM1_F11_A011.wav")  # angry letter in the Sad folder
    scan = scan_folder(tmp_path)
    assert by_name(scan) == {
        "SM1_F10_A010.wav": ("urdu", "urdu_SM1", "angry", "male"),
        "SF1_F2_H02.wav": ("urdu", "urdu_SF1", "happy", "female"),
        "SM24_F8_N036.wav": ("urdu", "urdu_SM24", "neutral", "male"),
        "SF10_F4_S0100.wav": ("urdu", "urdu_SF10", "sad", "female"),
    }
    assert reasons(scan) == {
        "SM1_F10_Q010.wav": REASON_UNKNOWN_NAME,
        "SM1_F11_A011.wav": "URDU name and folder disagree on the emotion (A in Sad/)",
    }
    assert scan.speakers == ["urdu_SF1", "urdu_SF10", "urdu_SM1", "urdu_SM24"]


def write_nemo(root: Path, lines: list[str], files: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / NEMO_TABLE).write_text(NEMO_HEADER + "".join(lines), encoding="utf-8")
    for file in files:
        wav(root / "samples", file)
    return root


def test_scan_nemo_layout_uses_data_tsv(tmp_path: Path) -> None:
    root = write_nemo(
        tmp_path / "nEMO",
        [
            nemo_line("EB0_anger_1.wav", "anger", "EB0", "female"),
            nemo_line("WR0_surprised_64.wav", "surprised", "WR0", "male", text='"Ród smoka" to serial.'),
            nemo_line("ZZ1_fear_3.wav", "fear", "ZZ1", "male", text="„Żołwica” to dawne określenie."),
            nemo_line("KD0_joy_2.wav", "joy", "KD0", "female"),  # emotion nEMO does not have
            nemo_line("MK0_sadness_7.wav", "sadness", "MK0", "female"),  # listed, file missing
            nemo_line("TP0_neutral_1.wav", "neutral", "TP0", "male"),  # listed, file missing
        ],
        ["EB0_anger_1.wav", "WR0_surprised_64.wav", "ZZ1_fear_3.wav", "KD0_joy_2.wav", "EB0_anger_2.wav", "notes.wav"],
    )
    scan = scan_folder(root)
    assert by_name(scan) == {
        "EB0_anger_1.wav": ("nemo", "nemo_EB0", "angry", "female"),
        "WR0_surprised_64.wav": ("nemo", "nemo_WR0", "surprised", "male"),
        "ZZ1_fear_3.wav": ("nemo", "nemo_ZZ1", "fearful", "male"),  # the table, not the name, decides
    }
    assert reasons(scan) == {
        "KD0_joy_2.wav": f"unknown nEMO emotion 'joy' in {NEMO_TABLE}",
        "EB0_anger_2.wav": REASON_NOT_LISTED,
        "notes.wav": REASON_NOT_LISTED,
        "MK0_sadness_7.wav": REASON_MISSING,
        "TP0_neutral_1.wav": REASON_MISSING,
    }
    missing = [p.path for p in scan.problems if p.reason == REASON_MISSING]
    assert missing == [str(root.resolve() / "samples" / "MK0_sadness_7.wav"), str(root.resolve() / "samples" / "TP0_neutral_1.wav")]
    summary = scan.summary()
    assert f"2 files: {REASON_MISSING}" in summary and f"2 files: {REASON_NOT_LISTED}" in summary
    assert scan_folder(root, "nemo").problems == scan.problems


def test_nemo_table_matches_converted_files_by_stem(tmp_path: Path) -> None:
    root = write_nemo(tmp_path, [nemo_line("EB0_anger_1.wav", "anger", "EB0", "female")], [])
    wav(root / "samples", "EB0_anger_1.flac")
    scan = scan_folder(root)
    assert by_name(scan) == {"EB0_anger_1.flac": ("nemo", "nemo_EB0", "angry", "female")}
    assert scan.problems == []


def test_nemo_without_table_reads_names(tmp_path: Path) -> None:
    for name in ("EB0_anger_1.wav", "WR0_sadness_74.wav", "XY0_anger_1.wav"):
        wav(tmp_path / "samples", name)
    scan = scan_folder(tmp_path)
    assert by_name(scan) == {
        "EB0_anger_1.wav": ("nemo", "nemo_EB0", "angry", "female"),
        "WR0_sadness_74.wav": ("nemo", "nemo_WR0", "sad", "male"),
    }
    assert reasons(scan) == {"XY0_anger_1.wav": REASON_UNKNOWN_NAME}


def test_other_data_tsv_is_ignored(tmp_path: Path) -> None:
    (tmp_path / NEMO_TABLE).write_text("id\tlabel\nx\ty\n", encoding="utf-8")
    assert read_nemo_table(tmp_path / NEMO_TABLE) is None
    wav(tmp_path, "samples/EB0_anger_1.wav")
    wav(tmp_path, "Angry/SM1_F10_A010.wav")
    scan = scan_folder(tmp_path)
    assert {r.dataset for r in scan.rows} == {"nemo", "urdu"} and scan.problems == []


def test_read_nemo_table_strips_padding(tmp_path: Path) -> None:
    path = tmp_path / NEMO_TABLE
    path.write_text(NEMO_HEADER + nemo_line("EB0_anger_1.wav", "anger", "EB0", "Female"), encoding="utf-8")
    assert read_nemo_table(path) == {"EB0_anger_1": NemoEntry("EB0_anger_1.wav", "anger", "EB0", "female")}


def test_scan_all_ten_layouts_together(tmp_path: Path) -> None:
    for rel in (
        "RAVDESS/Actor_12/03-01-05-02-01-01-12.wav",
        "TESS/OAF_angry/OAF_bite_angry.wav",
        "SAVEE/DC/a01.wav",
        "CREMA-D/1001_DFA_ANG_XX.wav",
        "EmoDB/03a01Wa.wav",
        "ASED_V1/05Angry/a5-03-01-02-50.wav",
        "EMOVO/f1/rab-f1-b1.wav",
        "TurEV-DB/Sound Source/Angry/1157_kz_gunes.wav",
        "URDU-Dataset/Angry/SM1_F10_A010.wav",
    ):
        wav(tmp_path, rel)
    write_nemo(tmp_path / "nEMO", [nemo_line("SM0_anger_1.wav", "anger", "SM0", "male")], ["SM0_anger_1.wav"])
    scan = scan_folder(tmp_path)
    assert scan.problems == []
    assert Counter(r.dataset for r in scan.rows) == Counter(DATASETS)
    assert {r.emotion for r in scan.rows} == {"angry"}
    assert set(scan.counts) == set(DATASETS)


def test_manifest_fills_gender_for_the_new_corpora(tmp_path: Path) -> None:
    rels = {
        "ased/50/a5-03-01-02-50.opus": ("ased", "ased_50", "angry", "male"),
        "emovo/f1/rab-f1-b1.opus": ("emovo", "emovo_f1", "angry", "female"),
        "nemo/EB0/EB0_anger_1.opus": ("nemo", "nemo_EB0", "angry", "female"),
        "turev/1157/1157_kz_gunes.opus": ("turev", "turev_1157", "angry", None),
        "urdu/SF1/SF1_F2_H02.opus": ("urdu", "urdu_SF1", "happy", "female"),
    }
    lines = ["path,dataset,speaker,emotion"]
    for rel, (dataset, speaker, emotion, _gender) in rels.items():
        wav(tmp_path, rel)  # WAV bytes under an .opus name: the manifest reads names only
        lines.append(f"{rel},{dataset},{speaker},{emotion}")
    (tmp_path / "MANIFEST.csv").write_text("\n".join(lines) + "\n")
    scan = read_manifest(tmp_path / "MANIFEST.csv")
    assert scan.problems == []
    assert {str(Path(r.path).relative_to(tmp_path.resolve())): fields(r) for r in scan.rows} == rels


# ----------------------------------------------------------------------------- the real manifest

# Rows per dataset in ../shared/data/corpora/MANIFEST.csv (see its SOURCES.md).
REAL_COUNTS = {"ased": 2474, "emovo": 588, "nemo": 4481, "turev": 1735, "urdu": 400}


@pytest.mark.data
def test_original_paths_parse_to_the_manifest_labels() -> None:
    """Every manifest row of the five corpora: the parser run on the original download path
    (folder and file name) gives the manifest's speaker and emotion. nEMO is checked by name and
    through a data.tsv table rebuilt from the manifest."""
    manifest = data_dir() / "MANIFEST.csv"
    if not manifest.is_file():
        pytest.skip(f"real corpora not found: no MANIFEST.csv in {manifest.parent} (set SER_DATA_DIR)")
    with manifest.open(newline="", encoding="utf-8") as f:
        records = [r for r in csv.DictReader(f) if r["dataset"] in REAL_COUNTS]
    checked: Counter[str] = Counter()
    mismatches: list[tuple[str, tuple, tuple]] = []
    nemo_label = {v: k for k, v in NEMO.items()}
    for r in records:
        dataset, original = r["dataset"], r["original_path"]
        want = (dataset, r["speaker"], r["emotion"])
        rows = [PARSERS[dataset](original)]
        if dataset == "nemo":  # as data.tsv would list it
            entry = NemoEntry(Path(original).name, nemo_label[r["emotion"]], r["speaker"].removeprefix("nemo_"), None)
            rows.append(parse_nemo(original, {Path(original).stem: entry}))
        mismatches += [(original, got, want) for got in ((x.dataset, x.speaker, x.emotion) for x in rows) if got != want]
        checked[dataset] += 1
    assert mismatches == []
    assert dict(checked) == REAL_COUNTS
