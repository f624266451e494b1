"""A store made by real runs, `flow ui` serving it as a real subprocess, and a real headless
Chromium driven by Playwright.

The browser tests need the `playwright` package and Debian's `chromium`
(`scripts/ensure-chromium` installs it; the README's test command runs that first).  Where
either is missing they are skipped with the reason -- except under CI (`CI` set), where a
missing browser fails them, so CI never passes without running them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PIPELINES = HERE / "dashboard_pipelines.py"
CHROMIUM = Path(os.environ.get("FLOWPLAN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADDRESS = re.compile(r"http://\S+:(\d+)/")
WEBHOOK_SECRET = "T000SECRET/B000SECRET/XXXXSECRETXXXX"


def flow_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FLOWPLAN_HOME": str(home), "FLOWPLAN_QUIET": "1"}
    env.pop("FLOWPLAN_ALERTER", None)
    env.pop("FLOWPLAN_ALERTER_URL", None)
    return {**env, **extra}


def run_pipeline(project: Path, name: str, **extra: str) -> None:
    """Run one pipeline of ``dashboard_pipelines.py`` in a fresh Python process."""
    proc = subprocess.run(
        [sys.executable, str(PIPELINES), name],
        cwd=project,
        env=flow_env(project / ".flowplan", **extra),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr


@dataclass
class Store:
    project: Path
    home: Path

    def runs(self, pipeline: str) -> list[Any]:
        from flowplan.client import Client

        client = Client(self.home)
        try:
            return client.list_pipeline_runs(pipeline=pipeline)
        finally:
            client.store.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Runs made by real pipelines: a 50-step fan-out run twice (the second run cached),
    a failed run, a run whose step names and logs hold markup, and a snapshot's run."""
    project = tmp_path_factory.mktemp("dashboard")
    (project / "pyproject.toml").write_text("[project]\nname = 'dashboard-demo'\n")
    for name in ("fan_out", "fan_out", "failing", "markup", "snapshot"):
        run_pipeline(project, name)
    return Store(project, project / ".flowplan")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]


def start_ui(home: Path, cwd: Path, **extra: str) -> Server:
    """`flow ui --port 0` as a subprocess; returns once it printed its address."""
    flow = Path(sys.executable).with_name("flow")
    process = subprocess.Popen(
        [str(flow), "ui", "--port", "0"],
        cwd=cwd,
        env=flow_env(home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = ADDRESS.search(line)
    if match is None:
        process.kill()
        rest = process.communicate(timeout=10)[0]
        pytest.fail(f"`flow ui` did not print its address: {line}{rest}")
    return Server(f"http://127.0.0.1:{match.group(1)}", process)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[Server]:
    found = start_ui(
        store.home,
        store.project,
        FLOWPLAN_ALERTER="webhook",
        FLOWPLAN_ALERTER_URL=f"https://hooks.example.invalid/services/{WEBHOOK_SECRET}",
    )
    yield found
    stop(found)


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the `playwright` package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (run scripts/ensure-chromium, as root)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but {missing}")
        pytest.skip(f"browser tests not applicable here: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield found
        found.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    found = context.new_page()
    found.set_default_timeout(20_000)
    yield found
    context.close()


def wait_for(condition: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")
