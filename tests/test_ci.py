"""CI must not pass having tested less (issue 11 point 19): `.ci/run` stops when Chromium or
espeak-ng is missing and CI is set, and with CI set a test that would skip for a missing tool fails.

`.ci/run` runs here on a copy, with a PATH of stubs: `apt-get` and `python3.11` only record that
they were called (nothing is installed, no virtual environment is made)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT

STUB = "#!/bin/bash\necho \"{name} $*\" >> \"$STUB_LOG\"\n{body}\n"
VENV = (f"{shutil.which('mkdir')} -p .venv/bin\nfor t in pip python; do\n"  # python3.11 -m venv: stubs of its pip and python
        f"  printf '#!/bin/bash\\necho \"%s $*\" >> \"$STUB_LOG\"\\n' $t > .venv/bin/$t; {shutil.which('chmod')} +x .venv/bin/$t\ndone")


def _stub(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(STUB.format(name=name, body=body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _ci_run(tmp_path: Path, *, tools: tuple[str, ...], apt_works: bool, ci: bool) -> tuple[subprocess.CompletedProcess, list[str]]:
    project, stubs = tmp_path / "project", tmp_path / "bin"
    (project / ".ci").mkdir(parents=True)
    stubs.mkdir()
    shutil.copy(PROJECT_ROOT / ".ci" / "run", project / ".ci" / "run")
    (stubs / "dirname").symlink_to(shutil.which("dirname"))
    _stub(stubs, "id", 'echo 0')  # root, so the script tries apt-get
    _stub(stubs, "apt-get", "exit 0" if apt_works else "exit 100")  # "works" but installs nothing
    _stub(stubs, "python3.11", VENV)
    for tool in tools:
        _stub(stubs, tool)
    log = tmp_path / "calls.log"
    env = {"PATH": str(stubs), "STUB_LOG": str(log), **({"CI": "true"} if ci else {})}
    done = subprocess.run(["/bin/bash", str(project / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=60)
    return done, log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("apt_works", [False, True])
@pytest.mark.parametrize("tools", [(), ("espeak-ng",), ("chromium",)])
def test_ci_run_fails_in_ci_without_the_tools(tmp_path, tools, apt_works):
    done, calls = _ci_run(tmp_path, tools=tools, apt_works=apt_works, ci=True)
    assert done.returncode == 1
    assert "CI: chromium and espeak-ng are needed" in done.stderr
    assert any(c.startswith("apt-get") for c in calls)  # it did try to install them
    assert not any(c.startswith(("python3.11", "pip", "python")) for c in calls)  # and ran no tests


def test_ci_run_outside_ci_warns_and_runs_the_tests(tmp_path):
    done, calls = _ci_run(tmp_path, tools=(), apt_works=False, ci=False)
    assert done.returncode == 0, done.stderr
    assert "the browser tests and word checks will skip (not CI)" in done.stderr
    assert calls[-1] == "python -m pytest"


def test_ci_run_with_the_tools_runs_the_tests_without_installing(tmp_path):
    done, calls = _ci_run(tmp_path, tools=("chromium", "espeak-ng"), apt_works=False, ci=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and not any(c.startswith("apt-get") for c in calls)
    assert calls == ["python3.11 -m venv .venv", "pip install -r requirements.txt",
                     "pip install --no-deps -e .", "python -m pytest"]


MISSING_TOOL_TESTS = '''
import pytest

@pytest.mark.skipif(True, reason="no Chromium at /nowhere (apt-get install chromium)")
def test_browser():
    pass

def test_words():
    pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make real speech")

def test_word_check():
    from tests.ci_strict import have
    assert not have("no-such-tool-ser")

def test_other_skip():
    pytest.skip("not on this platform")
'''


@pytest.mark.parametrize("ci", [True, False])
def test_skips_for_a_missing_tool_fail_in_ci(tmp_path, ci):
    (tmp_path / "test_tools.py").write_text(MISSING_TOOL_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "1"} if ci else {})
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.ci_strict", "-p", "no:cacheprovider", "-rA",
                           str(tmp_path / "test_tools.py")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    summary = done.stdout.splitlines()[-1]
    if ci:
        # the skipif (setup) shows as an error, the others as failures; only the unrelated skip stays a skip
        assert done.returncode == 1 and "2 failed" in summary and "1 error" in summary and "1 skipped" in summary, done.stdout
        assert "CI is set, so a missing tool fails instead of skipping: no Chromium at /nowhere" in done.stdout
        assert "CI is set, but no-such-tool-ser is not installed" in done.stdout
    else:
        assert done.returncode == 0 and "1 passed" in summary and "3 skipped" in summary, done.stdout
