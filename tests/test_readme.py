"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re

from .conftest import PROJECT_ROOT


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    blocks = _bash_blocks(readme)
    test_cmd = [b for b in blocks if b.endswith("-m pytest")]
    run_cmd = [b for b in blocks if b.endswith("streamlit run app.py")]
    assert len(test_cmd) == 1 and len(run_cmd) == 1
    assert test_cmd[0] in ci.splitlines()
    # Both commands set up the same way.
    assert test_cmd[0].rsplit("&&", 1)[0] == run_cmd[0].rsplit("&&", 1)[0]


def test_readme_images_exist():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme):
        assert (PROJECT_ROOT / path).is_file(), path
