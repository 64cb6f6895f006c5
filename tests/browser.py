"""What the real-browser tests share: Debian's Chromium, a `streamlit run app.py` server on
loopback, a Playwright page that screenshots failures, and README screenshots (SER_SCREENSHOTS)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ser.testing import free_port

from .conftest import PROJECT_ROOT

CHROMIUM = os.environ.get("SER_CHROMIUM", "/usr/bin/chromium")
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]
FAILURES = Path(tempfile.gettempdir()) / "ser-browser-failures"
VIEWPORT = {"width": 1400, "height": 1000}
QUIET_ARGS = ["--disable-gpu", "--no-first-run", "--disable-sync", "--disable-background-networking", "--disable-component-update"]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; yields its URL once /_stcore/health answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"streamlit did not become healthy:\n{out}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def browser_page(request, url: str, extra_args: list[str] | None = None, timeout_ms: int = 60_000):
    """A fresh Chromium page on ``url``; a failing test leaves a screenshot in FAILURES."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*(extra_args or []), *QUIET_ARGS])
        pg = browser.new_context(viewport=VIEWPORT).new_page()
        pg.set_default_timeout(timeout_ms)
        pg.goto(url)
        pg.get_by_test_id("stAppViewContainer").wait_for()
        yield pg
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            FAILURES.mkdir(exist_ok=True)
            shot = FAILURES / f"{request.node.name}.png"
            pg.screenshot(path=str(shot))
            print(f"screenshot of the failure: {shot}")
        browser.close()


def snapshot(pg, name: str, full: bool = True) -> None:
    """Save a screenshot to $SER_SCREENSHOTS when set. ``full``: grow the viewport to the page's
    content first (Streamlit scrolls inside its main block, so a full-page screenshot misses it)."""
    folder = os.environ.get("SER_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = pg.viewport_size
    if full:
        height = pg.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        pg.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 3200)})
    pg.wait_for_timeout(500)
    pg.screenshot(path=str(Path(folder) / f"{name}.png"))
    pg.set_viewport_size(size)
