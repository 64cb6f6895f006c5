"""`ser benchmark`: argument errors, the fast parts, the table against the goals, README markers."""

from __future__ import annotations

import json

import pytest

from ser import benchmark
from ser.cli import main


def test_unknown_part_is_a_clear_error(capsys):
    assert main(["benchmark", "--parts", "clip,warp"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark part(s) warp" in err and "Traceback" not in err


def test_training_part_writes_json_and_readme(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{benchmark.MARKERS[0]}\nold\n{benchmark.MARKERS[1]}\noutro\n")
    assert main(["benchmark", "--parts", "training", "--out", str(tmp_path / "res"), "--write-readme", str(readme)]) == 0
    result = json.loads((tmp_path / "res" / "benchmark.json").read_text())
    assert result["training"]["train_seconds"] > 0 and result["machine"]["cpus"] >= 1
    text = readme.read_text()
    assert "\nold\n" not in text and "training wall time of the default model" in text and text.endswith("outro\n")
    assert "| measurement | result | goal |" in capsys.readouterr().out


def test_clip_part_measures_both_pipelines():
    result = benchmark.bench_clip(runs=2)
    assert result["ser"]["runs"] == 2 and result["seed_style"]["median_ms"] > 0
    assert result["speedup_median"] == pytest.approx(result["seed_style"]["median_ms"] / result["ser"]["median_ms"], rel=0.01)


def test_table_marks_goals():
    result = {"clip": {"model": "m", "ser": {"median_ms": 40.0, "p95_ms": 60.0, "runs": 50},
                       "ser_with_checks": {"median_ms": 50.0, "p95_ms": 70.0, "runs": 50},
                       "seed_style": {"median_ms": 100.0, "p95_ms": 130.0, "runs": 50}, "speedup_median": 2.5}}
    startup = {"median": {"health_s": 1.0, "interactive_s": 4.0, "first_result_s": 9.0}}
    load = {"single_session": {"p95_ms": 2000.0}, "concurrent": {"sessions": 8, "analyses": 160, "p95_ms": 5000.0, "errors": []},
            "p95_ratio": 2.5, "server_alive_after": True}
    table = benchmark.table(result, startup, load)
    assert "| 40 / 60 ms | ≤ 100 ms ✅ |" in table
    assert "**2.5×** faster | ≥ 3× faster ❌ |" in table
    assert "4.0 s | ≤ 5 s ✅" in table and "9.0 s | ≤ 8 s ❌" in table
    assert "8 browser sessions × 20 clips" in table and "(**2.5×**), 0 errors, server alive: True | ≤ 2×, 0 errors ❌" in table


def test_training_row_names_the_protocols_and_marks_the_hour():
    def row(seconds, command):
        return benchmark.table({"training": {"model": "m", "train_seconds": seconds, "command": command}}).splitlines()[-1]

    assert row(2399.0, "ser train m --data d --protocols ravdess_6fold,loco").endswith("protocols: ravdess_6fold,loco), cached features "
                                                                                     "| 2399 s (40 min) | ≤ 60 min ✅ |")
    assert row(4000.0, "ser train m --data d").endswith("protocols: auto), cached features | 4000 s (67 min) | ≤ 60 min ❌ |")
    assert row(None, "").endswith("| not recorded | ≤ 60 min |")


def test_long_audio_is_made_of_speech():
    y = benchmark.speech_audio(20.0)
    assert len(y) == 20 * 16000 and float(abs(y).max()) > 0.01
