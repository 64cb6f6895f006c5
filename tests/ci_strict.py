"""In CI (the ``CI`` environment variable set), a test may not silently vanish for a missing tool.

Locally a test that needs Chromium or espeak-ng skips with its reason; in CI that skip becomes a
failure (``fail_missing_tool_skips``, called from conftest's report hook), and a check that is only
done when espeak-ng is there (``have``) fails instead of being left out. Loaded by tests/conftest.py;
``pytest -p tests.ci_strict`` loads it on its own (tests/test_ci.py does, on a throwaway test file).
"""

from __future__ import annotations

import os
import shutil

import pytest

# Skip reasons that mean "a tool CI installs is missing" (tests/browser.py, tests/test_app.py, ...).
MISSING_TOOL = ("apt-get install chromium", "apt-get install espeak-ng")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def fail_missing_tool_skips(report: pytest.TestReport) -> None:
    """Turn ``report``, a skip for a missing tool, into a failure when running in CI."""
    if not (report.skipped and in_ci()) or getattr(report, "wasxfail", None):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(tool in reason for tool in MISSING_TOOL):
        report.outcome = "failed"
        report.longrepr = f"CI is set, so a missing tool fails instead of skipping: {reason.removeprefix('Skipped: ')}"


def have(tool: str) -> bool:
    """Whether ``tool`` is on PATH; in CI its absence fails the test (a check must not quietly drop out)."""
    if shutil.which(tool):
        return True
    if in_ci():
        pytest.fail(f"CI is set, but {tool} is not installed (apt-get install {tool}), so this check would be left out")
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # used with `-p tests.ci_strict`; conftest calls the function itself
    outcome = yield
    fail_missing_tool_skips(outcome.get_result())
