"""Corpus name parsers, folder scans, manifests and label sets. Names only: no real audio needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ser.data.corpora import (
    CorpusScan,
    OutsideVocabulary,
    Problem,
    Row,
    UnrecognisedName,
    apply_labels,
    load_corpus,
    parse_cremad,
    parse_emodb,
    parse_ravdess,
    parse_savee,
    parse_tess,
    read_manifest,
    scan_folder,
)
from ser.data.labels import EMOTIONS, LabelSet
from ser.errors import ConfigError, CorpusError


def touch(root: Path, rel: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def fields(row: Row) -> tuple[str, str, str, str | None, str | None]:
    return (row.dataset, row.speaker, row.emotion, row.gender, row.intensity)


# ----------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Actor_12/03-01-05-02-01-01-12.wav", ("ravdess", "ravdess_12", "angry", "female", "strong")),
        ("03-01-01-01-02-02-01.flac", ("ravdess", "ravdess_01", "neutral", "male", "normal")),
        ("03-02-08-01-01-01-23.mp3", ("ravdess", "ravdess_23", "surprised", "male", "normal")),  # song
        ("01-01-02-02-01-01-24.wav", ("ravdess", "ravdess_24", "calm", "female", "strong")),  # full AV naming
    ],
)
def test_parse_ravdess(name: str, expected: tuple) -> None:
    row = parse_ravdess(name)
    assert fields(row) == expected
    assert row.path == name


@pytest.mark.parametrize(
    "name",
    [
        "03-01-09-01-01-01-12.wav",  # emotion 09
        "03-01-05-03-01-01-12.wav",  # intensity 03
        "03-01-05-01-03-01-12.wav",  # statement 03
        "03-01-05-01-01-03-12.wav",  # repetition 03
        "03-01-05-01-01-01-25.wav",  # actor 25
        "03-01-05-01-01-01-00.wav",  # actor 00
        "04-01-05-01-01-01-12.wav",  # modality 04
        "03-03-05-01-01-01-12.wav",  # channel 03
        "03-01-05-01-01-12.wav",  # six fields
        "3-1-5-1-1-1-12.wav",
    ],
)
def test_parse_ravdess_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_ravdess(name)


@pytest.mark.parametrize(
    ("name", "speaker", "emotion"),
    [
        ("OAF_angry/OAF_back_angry.wav", "tess_OAF", "angry"),
        ("YAF_fear/YAF_bar_fear.wav", "tess_YAF", "fearful"),
        ("YAF_pleasant_surprise/YAF_bath_ps.wav", "tess_YAF", "surprised"),
        ("OAF_bite_pleasant_surprise.wav", "tess_OAF", "surprised"),
        ("OAF_bite_pleasant_surprised.flac", "tess_OAF", "surprised"),
        ("YAF_dog_surprised.wav", "tess_YAF", "surprised"),
        ("YAF_dog_Sad.wav", "tess_YAF", "sad"),
        ("OA_bite_neutral.wav", "tess_OAF", "neutral"),
        ("OAF_germ_disgust.wav", "tess_OAF", "disgust"),
        ("YAF_jar_happy.ogg", "tess_YAF", "happy"),
    ],
)
def test_parse_tess(name: str, speaker: str, emotion: str) -> None:
    assert fields(parse_tess(name)) == ("tess", speaker, emotion, "female", None)


@pytest.mark.parametrize("name", ["XAF_back_angry.wav", "OAF_back_bored.wav", "OAF_angry.wav", "OAF__angry.wav", "OAF_b4ck_angry.wav"])
def test_parse_tess_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_tess(name)


@pytest.mark.parametrize(
    ("name", "speaker", "emotion"),
    [
        ("DC_a01.wav", "savee_DC", "angry"),
        ("JE_sa15.wav", "savee_JE", "sad"),
        ("JK_su03.wav", "savee_JK", "surprised"),
        ("KL_n30.wav", "savee_KL", "neutral"),
        ("AudioData/DC/f02.wav", "savee_DC", "fearful"),
        ("AudioData/KL/h10.wav", "savee_KL", "happy"),
        ("AudioData/JE/d07.wav", "savee_JE", "disgust"),
    ],
)
def test_parse_savee(name: str, speaker: str, emotion: str) -> None:
    assert fields(parse_savee(name)) == ("savee", speaker, emotion, "male", None)


@pytest.mark.parametrize("name", ["XX_a01.wav", "DC_x01.wav", "DC_a1.wav", "a01.wav", "other/a01.wav", "DC/sx01.wav"])
def test_parse_savee_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_savee(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1001_DFA_ANG_XX.wav", ("cremad", "cremad_1001", "angry", None, "unspecified")),
        ("1091_IEO_HAP_HI.wav", ("cremad", "cremad_1091", "happy", None, "high")),
        ("1050_TIE_FEA_LO.mp3", ("cremad", "cremad_1050", "fearful", None, "low")),
        ("1002_ITS_SAD_MD.wav", ("cremad", "cremad_1002", "sad", None, "medium")),
    ],
)
def test_parse_cremad(name: str, expected: tuple) -> None:
    assert fields(parse_cremad(name)) == expected


def test_parse_cremad_gender_from_demographics() -> None:
    row = parse_cremad("1002_DFA_DIS_XX.wav", {"1002": "female"})
    assert (row.emotion, row.gender) == ("disgust", "female")


@pytest.mark.parametrize("name", ["1000_DFA_ANG_XX.wav", "1092_DFA_ANG_XX.wav", "1001_DFA_BOR_XX.wav", "1001_DFA_ANG_ZZ.wav", "1001_DF_ANG_XX.wav"])
def test_parse_cremad_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_cremad(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("03a01Fa.wav", ("emodb", "emodb_03", "happy", "male", None)),
        ("08b10Wb.wav", ("emodb", "emodb_08", "angry", "female", None)),
        ("16a07Tc.wav", ("emodb", "emodb_16", "sad", "female", None)),
        ("15b03Ea.wav", ("emodb", "emodb_15", "disgust", "male", None)),
        ("09a05Ad.wav", ("emodb", "emodb_09", "fearful", "female", None)),
        ("11a02Na.wav", ("emodb", "emodb_11", "neutral", "male", None)),
    ],
)
def test_parse_emodb(name: str, expected: tuple) -> None:
    assert fields(parse_emodb(name)) == expected


def test_parse_emodb_boredom_is_outside_the_vocabulary() -> None:
    with pytest.raises(OutsideVocabulary) as info:
        parse_emodb("03a01La.wav")
    assert info.value.emotion == "boredom"
    assert isinstance(info.value, UnrecognisedName)


@pytest.mark.parametrize("name", ["04a01Fa.wav", "03c01Fa.wav", "03a01Xa.wav", "03a1Fa.wav", "03a01FA.wav"])
def test_parse_emodb_rejects(name: str) -> None:
    with pytest.raises(UnrecognisedName):
        parse_emodb(name)


def test_row_to_dict() -> None:
    row = parse_ravdess("03-01-05-02-01-01-12.wav")
    assert row.to_dict() == {
        "path": "03-01-05-02-01-01-12.wav",
        "dataset": "ravdess",
        "speaker": "ravdess_12",
        "emotion": "angry",
        "gender": "female",
        "intensity": "strong",
    }


# ----------------------------------------------------------------------------- folder scans


@pytest.fixture
def mixed_tree(tmp_path: Path) -> Path:
    """All five layouts plus junk: 14 usable files, 6 problems, 4 ignored non-audio files."""
    for rel in [
        "ravdess/Actor_01/03-01-01-01-01-01-01.wav",
        "ravdess/Actor_01/03-01-02-02-01-01-01.wav",
        "ravdess/Actor_02/03-01-05-01-01-01-02.wav",
        "tess/OAF_angry/OAF_back_angry.wav",
        "tess/YAF_pleasant_surprise/YAF_bath_ps.wav",
        "tess/OAF_neutral/OA_bite_neutral.wav",
        "savee/DC_a01.wav",
        "savee/JE_sa15.wav",
        "savee/AudioData/KL/su03.wav",
        "cremad/AudioWAV/1001_DFA_ANG_XX.wav",
        "cremad/AudioWAV/1002_IEO_HAP_HI.wav",
        "cremad/AudioWAV/1003_TIE_SAD_LO.wav",  # actor missing from the demographics
        "emodb/wav/03a01Fa.wav",
        "emodb/wav/08b10Wb.wav",
        # problems
        "emodb/wav/03a02La.wav",
        "emodb/wav/16b01Lb.wav",
        "junk/foo.wav",
        "junk/bar.mp3",
        "junk/baz.flac",
        "ravdess/Actor_01/03-01-09-01-01-01-01.wav",
        # ignored
        "README.md",
        "ravdess/notes.txt",
        "cremad/SentenceFilenames.csv",
        "savee/.hidden_DC_a02.wav",
    ]:
        touch(tmp_path, rel)
    (tmp_path / "cremad" / "VideoDemographics.csv").write_text(
        "ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n1002,21,Female,Caucasian,Not Hispanic\n"
    )
    return tmp_path


def test_scan_folder_mixed_layouts(mixed_tree: Path) -> None:
    scan = scan_folder(mixed_tree)
    assert len(scan.rows) == 14
    assert len(scan.problems) == 6
    assert scan.counts == {
        "cremad": {"happy": 1, "sad": 1, "angry": 1},
        "emodb": {"happy": 1, "angry": 1},
        "ravdess": {"neutral": 1, "calm": 1, "angry": 1},
        "savee": {"sad": 1, "angry": 1, "surprised": 1},
        "tess": {"neutral": 1, "angry": 1, "surprised": 1},
    }
    by_name = {Path(r.path).name: r for r in scan.rows}
    assert all(Path(r.path).is_absolute() for r in scan.rows)
    assert by_name["1001_DFA_ANG_XX.wav"].gender == "male"
    assert by_name["1002_IEO_HAP_HI.wav"].gender == "female"
    assert by_name["1003_TIE_SAD_LO.wav"].gender is None
    assert by_name["su03.wav"].speaker == "savee_KL"
    assert by_name["OA_bite_neutral.wav"].speaker == "tess_OAF"
    reasons = {Path(p.path).name: p.reason for p in scan.problems}
    assert reasons["03a02La.wav"] == "emotion outside the vocabulary (boredom)"
    assert reasons["16b01Lb.wav"] == "emotion outside the vocabulary (boredom)"
    assert reasons["foo.wav"] == reasons["03-01-09-01-01-01-01.wav"] == "name no corpus uses"
    assert scan.speakers[:2] == ["cremad_1001", "cremad_1002"]


def test_scan_folder_is_deterministic(mixed_tree: Path) -> None:
    assert scan_folder(mixed_tree) == scan_folder(mixed_tree)


def test_scan_summary_mentions_counts_and_examples(mixed_tree: Path) -> None:
    text = scan_folder(mixed_tree).summary()
    assert "14 rows from 12 speakers" in text
    assert "ravdess: 3 rows, 2 speakers (neutral 1, calm 1, angry 1)" in text
    assert "6 problems" in text
    # Four unrecognised names, only the first three (in sorted path order) shown as examples.
    assert "4 files: name no corpus uses (e.g. bar.mp3, baz.flac, foo.wav)" in text
    assert "2 files: emotion outside the vocabulary (boredom) (e.g. 03a02La.wav, 16b01Lb.wav)" in text


def test_scan_folder_forced_dataset(mixed_tree: Path) -> None:
    scan = scan_folder(mixed_tree / "ravdess", dataset="ravdess")
    assert [r.speaker for r in scan.rows] == ["ravdess_01", "ravdess_01", "ravdess_02"]
    assert [p.reason for p in scan.problems] == ["not a ravdess file name"]
    other = scan_folder(mixed_tree / "tess", dataset="savee")
    assert other.rows == [] and len(other.problems) == 3


def test_scan_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        scan_folder(tmp_path / "nope")
    touch(tmp_path, "only/readme.txt")
    with pytest.raises(CorpusError, match="No audio files"):
        scan_folder(tmp_path / "only")
    touch(tmp_path, "x/03-01-01-01-01-01-01.wav")
    with pytest.raises(CorpusError, match="Unknown dataset"):
        scan_folder(tmp_path / "x", dataset="iemocap")


# ----------------------------------------------------------------------------- manifests


def write_manifest(root: Path, lines: list[str], name: str = "MANIFEST.csv") -> Path:
    path = root / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_manifest(tmp_path: Path) -> None:
    touch(tmp_path, "ravdess/Actor_01/03-01-02-02-01-01-01.flac")
    touch(tmp_path, "tess/OAF_fear/OAF_back_fear.flac")
    touch(tmp_path, "other/clip.wav")
    touch(tmp_path, "other/bad.wav")
    manifest = write_manifest(
        tmp_path,
        [
            "path,dataset,speaker,emotion,source_repo",
            "ravdess/Actor_01/03-01-02-02-01-01-01.flac,ravdess,ravdess_01,calm,x/y",
            "tess/OAF_fear/OAF_back_fear.flac,tess,tess_OAF,fearful,x/y",
            "other/clip.wav,mine,mine_7,happy,x/y",
            "other/bad.wav,mine,mine_7,bored,x/y",
            "ravdess/Actor_02/03-01-01-01-01-01-02.flac,ravdess,ravdess_02,neutral,x/y",
        ],
    )
    scan = read_manifest(manifest)
    assert [fields(r) for r in scan.rows] == [
        ("ravdess", "ravdess_01", "calm", "male", "strong"),  # filled from the name
        ("tess", "tess_OAF", "fearful", "female", None),
        ("mine", "mine_7", "happy", None, None),
    ]
    assert scan.rows[0].path == str(tmp_path / "ravdess/Actor_01/03-01-02-02-01-01-01.flac")
    assert [(Path(p.path).name, p.reason) for p in scan.problems] == [
        ("bad.wav", "emotion outside the vocabulary (bored)"),
        ("03-01-01-01-01-01-02.flac", "file listed but missing"),
    ]


def test_read_manifest_uses_gender_and_intensity_columns(tmp_path: Path) -> None:
    touch(tmp_path, "a/03-01-02-02-01-01-01.wav")
    manifest = write_manifest(
        tmp_path,
        ["path,dataset,speaker,emotion,gender,intensity", "a/03-01-02-02-01-01-01.wav,ravdess,ravdess_01,calm,Female,"],
    )
    (row,) = read_manifest(manifest).rows
    assert (row.gender, row.intensity) == ("female", "strong")


def test_read_manifest_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="lacks column"):
        read_manifest(write_manifest(tmp_path, ["path,dataset,emotion", "a.wav,x,happy"], "m1.csv"))
    with pytest.raises(CorpusError, match="Cannot read"):
        read_manifest(tmp_path / "absent.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CorpusError):
        read_manifest(binary)


def test_load_corpus_dispatch(tmp_path: Path, mixed_tree: Path) -> None:
    assert len(load_corpus(mixed_tree).rows) == 14  # no manifest: scan
    write_manifest(
        mixed_tree,
        ["path,dataset,speaker,emotion", "savee/DC_a01.wav,savee,savee_DC,angry", "emodb/wav/03a01Fa.wav,emodb,emodb_03,happy"],
    )
    via_folder = load_corpus(mixed_tree)
    via_csv = load_corpus(mixed_tree / "MANIFEST.csv")
    assert via_folder == via_csv
    assert [fields(r) for r in via_folder.rows] == [
        ("savee", "savee_DC", "angry", "male", None),
        ("emodb", "emodb_03", "happy", "male", None),
    ]
    assert [r.dataset for r in load_corpus(mixed_tree, dataset="emodb").rows] == ["emodb"]
    with pytest.raises(CorpusError, match="no usable rows"):
        load_corpus(mixed_tree, dataset="tess")
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "missing")


# ----------------------------------------------------------------------------- label sets


def test_label_set_default_is_the_vocabulary() -> None:
    assert LabelSet().labels == EMOTIONS
    assert LabelSet().apply("calm") == "calm"


def test_label_set_merge_and_subset() -> None:
    merged = LabelSet(merge_calm=True)
    assert merged.labels == ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised")
    assert merged.apply("calm") == "neutral"
    subset = LabelSet(merge_calm=True, keep=("sad", "neutral", "angry"))
    assert subset.labels == ("neutral", "sad", "angry")
    assert subset.apply("calm") == "neutral"
    assert subset.apply("happy") is None


def test_label_set_round_trip_and_validation() -> None:
    ls = LabelSet(merge_calm=True, keep=("neutral", "happy"))
    assert LabelSet.from_dict(ls.to_dict()) == ls
    assert LabelSet.from_dict({"keep": ["happy", "sad"]}) == LabelSet(keep=("happy", "sad"))
    with pytest.raises(ConfigError, match="joyful"):
        LabelSet(keep=("happy", "joyful"))
    with pytest.raises(ConfigError, match="joyful"):
        LabelSet.from_dict({"keep": ["joyful", "sad"]})
    with pytest.raises(ConfigError):
        LabelSet.from_dict({"merge": True})
    with pytest.raises(ConfigError):
        LabelSet(merge_calm=True, keep=("calm", "sad"))
    with pytest.raises(ConfigError):
        LabelSet(keep=("sad",))
    with pytest.raises(ConfigError):
        LabelSet().apply("boredom")


def test_apply_labels_moves_excluded_rows_to_problems() -> None:
    scan = CorpusScan(
        rows=[
            Row("a.wav", "ravdess", "ravdess_01", "calm"),
            Row("b.wav", "ravdess", "ravdess_01", "happy"),
            Row("c.wav", "ravdess", "ravdess_02", "disgust"),
        ],
        problems=[Problem("x.wav", "name no corpus uses")],
    )
    out = apply_labels(scan, LabelSet(merge_calm=True, keep=("neutral", "happy")))
    assert [(r.path, r.emotion) for r in out.rows] == [("a.wav", "neutral"), ("b.wav", "happy")]
    assert out.problems == [Problem("x.wav", "name no corpus uses"), Problem("c.wav", "excluded by the label set (disgust)")]
    assert len(out.rows) + len(out.problems) == len(scan.rows) + len(scan.problems)
    assert scan.rows[0].emotion == "calm"  # input untouched
