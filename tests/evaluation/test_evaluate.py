"""The protocol runner on generated rows: leave one corpus out, other corpora added to RAVDESS folds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser.data.corpora import Row
from ser.data.labels import LabelSet
from ser.evaluation.evaluate import available_protocols, evaluate, plan, protocol_labels, restrict
from ser.evaluation.protocols import PROTOCOLS, chance
from ser.models.inputs import InputSpec
from ser.models.training import ModelSpec

# corpus -> (speakers, classes): like the real ones, not every corpus has every class
CORPORA = {
    "ravdess": ([f"ravdess_{i:02d}" for i in range(1, 25)], ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")),
    "tess": (["tess_OAF", "tess_YAF"], ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised")),
    "urdu": (["urdu_SM1", "urdu_SF1", "urdu_SM2"], ("neutral", "happy", "sad", "angry")),
    "turev": (["turev_1", "turev_2"], ("calm", "happy", "sad", "angry")),
}


def _rows(per_speaker_class: int = 2) -> list[Row]:
    return [Row(f"/x/{s}_{e}_{k}.wav", corpus, s, e) for corpus, (speakers, classes) in CORPORA.items()
            for s in speakers for e in classes for k in range(per_speaker_class)]


def test_loco_holds_out_each_corpus_and_scores_its_own_classes():
    rows = _rows()
    protocol = PROTOCOLS["loco"]
    labels = protocol_labels(protocol, rows, LabelSet())
    assert len(labels) == 8
    splits = plan(protocol, rows, labels, LabelSet())
    assert [s.test_corpus for s in splits] == sorted(CORPORA)
    for split in splits:
        assert {rows[i].dataset for i in split.test} == {split.test_corpus}
        assert split.test_corpus not in {rows[i].dataset for i in split.train}
        # scored on its own classes, as far as the other corpora teach them
        assert set(split.labels) == set(CORPORA[split.test_corpus][1])
        assert len(split.test) == sum(r.dataset == split.test_corpus for r in rows)


def test_loco_leaves_out_a_class_no_other_corpus_has():
    rows = [r for r in _rows() if not (r.dataset == "ravdess" and r.emotion == "calm")]  # only turev has calm now
    splits = {s.test_corpus: s for s in plan(PROTOCOLS["loco"], rows, protocol_labels(PROTOCOLS["loco"], rows, LabelSet()), LabelSet())}
    assert "calm" not in splits["turev"].labels
    assert all(rows[i].emotion != "calm" for i in splits["turev"].test)


def test_ravdess_folds_with_every_other_corpus_in_training():
    rows = _rows()
    protocol = PROTOCOLS["ravdess_6fold_all"]
    labels = protocol_labels(protocol, rows, LabelSet())
    splits = plan(protocol, rows, labels, LabelSet())
    assert len(splits) == 6
    others = sum(r.dataset != "ravdess" for r in rows)
    for split in splits:
        assert {rows[i].dataset for i in split.test} == {"ravdess"}
        assert sum(rows[i].dataset != "ravdess" for i in split.train) == others
        assert len(split.test_speakers) == 4
    plain = plan(PROTOCOLS["ravdess_6fold"], rows, protocol_labels(PROTOCOLS["ravdess_6fold"], rows, LabelSet()), LabelSet())
    assert all({rows[i].dataset for i in s.train} == {"ravdess"} for s in plain)


def test_protocols_that_need_several_corpora_are_offered_only_then():
    only_ravdess = [r for r in _rows() if r.dataset == "ravdess"]
    assert available_protocols(only_ravdess) == ["ravdess_6fold"]
    assert {"loco", "ravdess_6fold_all", "tess_loso"} <= set(available_protocols(_rows()))


def test_restrict_renormalises_over_the_kept_classes():
    labels = ("neutral", "calm", "happy", "sad")
    proba = np.array([[0.1, 0.5, 0.3, 0.1], [0.4, 0.4, 0.1, 0.1]])
    y, sub = restrict(np.array([2, 0]), proba, labels, ("neutral", "happy"))
    assert y.tolist() == [1, 0]
    np.testing.assert_allclose(sub, [[0.25, 0.75], [0.8, 0.2]])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_loco_metrics_are_per_corpus_with_their_own_chance():
    rows = _rows(per_speaker_class=3)
    rng = np.random.default_rng(0)
    classes = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
    centres = rng.normal(0, 3, (8, 14))
    features = [(centres[classes.index(r.emotion)] + rng.normal(0, 0.5, 14)).astype(np.float32) for r in rows]
    spec = ModelSpec(name="t", architecture="layer_head", input=InputSpec(kind="layers", whisper_model="base"),
                     params={"n_states": 7, "combine": "concat", "hidden_units": 0}, epochs=15, patience=5, learning_rate=1e-2,
                     balance="corpus_class")
    out = evaluate(spec, rows, features, LabelSet(), ["loco", "ravdess_to_tess"])  # one more split, not six: test time
    stored = out["metrics"]["loco"]
    assert [f["test_corpus"] for f in stored["folds"]] == sorted(CORPORA)
    per_fold = stored["variants"]["none"]["per_fold"]
    assert len(per_fold) == 4
    expected_chance = np.mean([1 / len(CORPORA[c][1]) for c in sorted(CORPORA)])
    assert stored["chance"] == pytest.approx(expected_chance)
    assert stored["chance"] != chance(stored["labels"])
    # each held-out corpus's confusion matrix is over its own classes
    matrices = out["confusion"]["loco"]["variants"]["none"]["per_fold"]
    assert [len(m) for m in matrices] == [len(CORPORA[c][1]) for c in sorted(CORPORA)]
    assert out["confusion"]["loco"]["fold_labels"][2:] == [["calm", "happy", "sad", "angry"], ["neutral", "happy", "sad", "angry"]]
    # the classes are well separated, so every held-out corpus is far above its own chance
    assert all(f["uar"] > 2 / len(CORPORA[c][1]) for f, c in zip(per_fold, sorted(CORPORA), strict=True)), [f["uar"] for f in per_fold]
    # calibration for voices from elsewhere: each held-out corpus scored with a factor from the others
    cross = stored["variants"]["none"]["cross_corpus"]
    assert cross["cross_fitted"] and len(cross["fold_factors"]) == 4 and cross["factor"] > 0
    assert cross["pooled"]["n"] == stored["variants"]["none"]["pooled"]["n"]
    assert cross["pooled"]["accuracy"] == pytest.approx(stored["variants"]["none"]["pooled"]["accuracy"])  # argmax kept
    # the same run's other protocols are also scored with the factor a shipped model would use
    other = out["metrics"]["ravdess_to_tess"]["variants"]["none"]["cross_corpus"]
    assert other["factor"] == cross["factor"] and not other["cross_fitted"]


def _separable(rows: list[Row], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
    centres = rng.normal(0, 3, (8, 14))
    return [(centres[classes.index(r.emotion)] + rng.normal(0, 0.5, 14)).astype(np.float32) for r in rows]


SMALL = ModelSpec(name="t", architecture="svm", input=InputSpec(kind="stats"))  # fits in milliseconds


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_stopped_run_resumes_from_its_finished_splits(tmp_path, monkeypatch):
    """A run stopped after some splits fits only the rest when started again, with the same figures."""
    import ser.evaluation.evaluate as runner

    monkeypatch.setenv("SER_SPLITS", str(tmp_path))
    rows = [r for r in _rows() if r.dataset == "ravdess"]
    features = _separable(rows)
    real = runner._run_split
    fitted: list[int] = []

    def stop_after_two(*args, **kwargs):
        if len(fitted) == 2:
            raise KeyboardInterrupt
        fitted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_run_split", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        evaluate(SMALL, rows, features, LabelSet(), ["ravdess_6fold"])
    assert len(list(tmp_path.glob("*.json"))) == 2  # the two finished splits were kept
    stored_seconds = sum(json.loads(f.read_text())["seconds"] for f in tmp_path.glob("*.json"))

    fitted.clear()
    monkeypatch.setattr(runner, "_run_split", lambda *a, **k: (fitted.append(1), real(*a, **k))[1])
    lines: list[str] = []
    resumed = evaluate(SMALL, rows, features, LabelSet(), ["ravdess_6fold"], log=lines.append)
    assert len(fitted) == 4 and resumed["resumed"]["splits"] == 2
    assert resumed["resumed"]["seconds"] == pytest.approx(stored_seconds)  # what the two stored splits took then
    assert sum("stored by an earlier run" in line for line in lines) == 2

    fresh = evaluate(SMALL, rows, features, LabelSet(), ["ravdess_6fold"], resume=False)
    assert len(fitted) == 10  # resume=False fits all six again
    assert fresh["resumed"]["splits"] == 0
    for variant in ("none", "baseline_10"):
        got = resumed["metrics"]["ravdess_6fold"]["variants"][variant]["pooled"]["accuracy"]
        assert got == pytest.approx(fresh["metrics"]["ravdess_6fold"]["variants"][variant]["pooled"]["accuracy"])


def test_a_split_is_stored_under_a_key_of_everything_it_depends_on(tmp_path, monkeypatch):
    from ser.evaluation import split_cache

    monkeypatch.setenv("SER_SPLITS", str(tmp_path))
    rows = [r for r in _rows() if r.dataset == "tess"]
    digest = split_cache.rows_digest(rows)
    train, test = np.arange(10), np.arange(10, 20)
    key = split_cache.split_key(SMALL.to_dict(), digest, ("happy", "sad"), "tess_loso", train, test, {"numpy": "2"})
    other_keys = {
        split_cache.split_key({**SMALL.to_dict(), "epochs": 5}, digest, ("happy", "sad"), "tess_loso", train, test, {"numpy": "2"}),
        split_cache.split_key(SMALL.to_dict(), split_cache.rows_digest(rows[1:]), ("happy", "sad"), "tess_loso", train, test, {"numpy": "2"}),
        split_cache.split_key(SMALL.to_dict(), digest, ("happy",), "tess_loso", train, test, {"numpy": "2"}),
        split_cache.split_key(SMALL.to_dict(), digest, ("happy", "sad"), "tess_loso", train[1:], test, {"numpy": "2"}),
        split_cache.split_key(SMALL.to_dict(), digest, ("happy", "sad"), "tess_loso", train, test, {"numpy": "3"}),
    }
    assert key not in other_keys and len(other_keys) == 5
    assert split_cache.load(key) is None
    results = {"none": (np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]))}
    split_cache.save(key, results, {"plain": {"loss": [1.0, 0.5]}, "seconds": 3.0})
    got, history = split_cache.load(key)
    np.testing.assert_array_equal(got["none"][1], results["none"][1])
    assert history == {"plain": {"loss": [1.0, 0.5]}, "seconds": 3.0}
    (tmp_path / f"{key}.npz").write_bytes(b"broken")  # an unreadable entry is fitted again, not an error
    assert split_cache.load(key) is None


def test_splits_stored_by_code_proven_equivalent_still_count(tmp_path, monkeypatch):
    from ser.evaluation import split_cache

    monkeypatch.setenv("SER_SPLITS", str(tmp_path))
    monkeypatch.setattr(split_cache, "EQUIVALENT_CODE", {"earlier": "the same results, proven by a test"})
    train, test = np.arange(10), np.arange(10, 20)
    args = (SMALL.to_dict(), "rows", ("happy", "sad"), "tess_loso", train, test, {"numpy": "2"})
    keys = split_cache.split_keys(*args)
    assert keys == [split_cache.split_key(*args), split_cache.split_key(*args, code="earlier")]
    assert split_cache.load_first(keys) is None
    results = {"none": (np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]))}
    split_cache.save(split_cache.split_key(*args, code="other"), results, {"seconds": 1.0})  # code not listed: not used
    assert split_cache.load_first(keys) is None
    split_cache.save(keys[1], results, {"seconds": 2.0})
    assert split_cache.load_first(keys)[1] == {"seconds": 2.0}
    split_cache.save(keys[0], results, {"seconds": 3.0})  # today's code first
    assert split_cache.load_first(keys)[1] == {"seconds": 3.0}


def test_the_code_digest_follows_the_code_not_its_comments(tmp_path, monkeypatch):
    from pathlib import Path

    from ser.evaluation import split_cache

    root = Path(split_cache.__file__).resolve().parent.parent
    for name in split_cache.FITTING_CODE:
        target = tmp_path / "ser" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((root / name).read_text())
    monkeypatch.setattr(split_cache, "__file__", str(tmp_path / "ser" / "evaluation" / "split_cache.py"))
    digest = split_cache.code_digest.__wrapped__  # not the once-per-process value
    before = digest()
    training = tmp_path / "ser" / "models" / "training.py"
    text = training.read_text()
    training.write_text(text.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n")
    assert digest() == before
    training.write_text(text + "\nEXTRA = 1\n")
    assert digest() != before


def test_auto_protocols_leave_out_what_a_small_corpus_cannot_split_and_say_so():
    from ser.evaluation.experiment import auto_protocols

    full = _rows()
    assert auto_protocols(full, log=lambda _: None) == available_protocols(full)
    # two RAVDESS actors and one TESS speaker: nothing to split by speaker, the cross-corpus protocols remain
    small = [r for r in full if r.speaker in ("ravdess_01", "ravdess_02", "tess_OAF")]
    said: list[str] = []
    assert auto_protocols(small, log=said.append) == ["ravdess_to_tess", "tess_to_ravdess", "loco"]
    assert len(said) == 3 and "needs 6 speakers of RAVDESS (English), and the data has 2" in said[0], said
    assert "needs 2 speakers of TESS (English), and the data has 1" in said[1], said


def test_named_protocols_the_data_cannot_run_say_what_is_missing():
    from ser.errors import ConfigError
    from ser.evaluation.experiment import chosen_protocols, protocol_problem

    ravdess = [r for r in _rows() if r.dataset == "ravdess"]
    assert protocol_problem(ravdess, "ravdess_6fold") is None
    assert protocol_problem(ravdess, "loco") == "Leave one corpus out needs clips of two corpora or more; the data has RAVDESS (English)."
    assert protocol_problem(ravdess, "ravdess_to_tess") == ("RAVDESS → TESS (cross-corpus) needs RAVDESS (English) and TESS (English) clips; "
                                                            "the data has RAVDESS (English).")
    assert "needs RAVDESS (English) clips and clips of another corpus" in protocol_problem(ravdess, "ravdess_6fold_all")
    with pytest.raises(ConfigError, match="Leave one corpus out needs clips of two corpora"):
        chosen_protocols(ravdess, ["ravdess_6fold", "loco"], log=lambda _: None)
    assert chosen_protocols(ravdess, ["ravdess_6fold"], log=lambda _: None) == ["ravdess_6fold"]


def test_the_stored_chance_level_is_the_stored_one_else_one_over_the_classes():
    from ser.evaluation.protocols import stored_chance

    metrics = {"loco": {"chance": 0.18, "labels": ["a", "b"]}, "ravdess_6fold": {"labels": ["a", "b", "c", "d"]},
               "tess_loso": {"chance": True, "labels": "ab"}, "ravdess_to_tess": [1, 2]}
    assert stored_chance(metrics, "loco") == 0.18
    assert stored_chance(metrics, "ravdess_6fold") == 0.25
    assert stored_chance(metrics, "tess_loso") is None  # damaged: no figure rather than a wrong one
    assert stored_chance(metrics, "ravdess_to_tess") is None and stored_chance(metrics, "loso") is None
    assert stored_chance([], "loco") is None
