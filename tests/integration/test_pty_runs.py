"""``flow run`` on a terminal (a pseudo-terminal): what steps print stays whole on its own lines
above the live status, the status fits the terminal, the last line names the outcome, and
Ctrl-C stops the run cleanly with exit status 130."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

COLUMNS = 60
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")  # SGR foreground

PARALLEL = '''
import sys
import time
from flowplan import pipeline, step

@step(enable_cache=False)
def shard(n: int) -> int:
    for i in range(3):
        print(f"shard {n} ", end="")      # a line written in pieces
        time.sleep(0.02)
        print(f"working on part {i} of a rather long line of output")
        print(f"shard {n} warning {i}", file=sys.stderr)
    return n

@step(enable_cache=False)
def total(values: list) -> int:
    print("total", sum(values))
    if sum(values) > 100:
        raise ValueError("too much")
    return sum(values)

@pipeline
def fan(limit: int = 4) -> None:
    total([shard(n) for n in range(limit)])

fan_in_processes = fan.with_options(settings={"orchestrator": {"isolation": "process"}})
'''

SLEEPY = '''
import time
from flowplan import pipeline, step

@step(enable_cache=False)
def first() -> int:
    return 1

@step(enable_cache=False)
def sleepy(x: int) -> int:
    print("sleeping now", flush=True)
    time.sleep(60)
    return x

@step(enable_cache=False)
def after(x: int) -> int:
    return x

@pipeline
def slow() -> None:
    after(sleepy(first()))
'''


def spawn(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``args`` with a pseudo-terminal of COLUMNS columns as stdin, stdout and stderr."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=follower, stdout=follower,
                            stderr=follower, start_new_session=True)
    os.close(follower)
    return proc, leader


def read_until(leader: int, proc: subprocess.Popen[bytes], until: str | None = None,
               timeout: float = 60) -> str:
    """What the terminal received, until ``until`` appears or the process ends."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            data += chunk
            if until is not None and until in data.decode(errors="replace"):
                break
        elif proc.poll() is not None and until is None:
            break
    return data.decode(errors="replace").replace("\r\n", "\n")


def screen_lines(text: str) -> list[str]:
    """Each line as the terminal finally shows it: escapes out, the last redraw of a line."""
    plain = ESCAPE.sub("", text)
    return [line.rsplit("\r", 1)[-1] for line in plain.split("\n") if line.rsplit("\r", 1)[-1]]


def redraws(text: str) -> list[str]:
    """Every version of the status line that was drawn."""
    plain = ESCAPE.sub("", text)
    return [part for line in plain.split("\n") for part in line.split("\r")[:-1] if part]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("FLOWPLAN_QUIET", "NO_COLOR")}
    env.update(FLOWPLAN_HOME=str(tmp_path / "home"), TERM="xterm-256color",
               FLOWPLAN_CACHE_DIR=str(tmp_path / "cache"), COLUMNS=str(COLUMNS))
    (tmp_path / "parallel.py").write_text(PARALLEL)
    (tmp_path / "sleepy.py").write_text(SLEEPY)
    return tmp_path, env


def flow(*args: str) -> list[str]:
    return [sys.executable, "-m", "flowplan.cli", *args]


@pytest.mark.slow
@pytest.mark.parametrize("pipeline", ["fan", "fan_in_processes"])
def test_step_output_stays_whole_above_a_status_that_fits(
    project: tuple[Path, dict[str, str]], pipeline: str,
) -> None:
    cwd, env = project
    proc, leader = spawn(flow("run", f"parallel.py:{pipeline}"), cwd, env)
    text = read_until(leader, proc)
    assert proc.wait(timeout=30) == 0, text
    lines = screen_lines(text)
    for n in range(4):
        for i in range(3):
            assert f"shard {n} working on part {i} of a rather long line of output" in lines
            assert f"shard {n} warning {i}" in lines
    assert "total 6" in lines
    assert lines[-1].startswith("Run fan-") and " completed; 5/5 done in " in lines[-1]
    statuses = redraws(text)
    assert statuses and all(len(s) <= COLUMNS for s in statuses), statuses
    assert COLOUR.search(text)  # the outcome in colour ...


@pytest.mark.slow
def test_no_color_and_the_failed_step_named_last(project: tuple[Path, dict[str, str]]) -> None:
    cwd, env = project
    env["NO_COLOR"] = "1"
    proc, leader = spawn(flow("run", "parallel.py:fan", "-p", "limit=20"), cwd, env)
    text = read_until(leader, proc)
    assert proc.wait(timeout=30) == 1, text
    last = screen_lines(text)[-1]
    assert " failed: 1 step failed (`total`); " in last
    assert last.endswith(" total") and "Logs: flow runs logs fan-" in last
    assert not COLOUR.search(text)  # ... but not with NO_COLOR (bold stays: it is no colour)


@pytest.mark.slow
def test_ctrl_c_stops_the_run_with_exit_130(project: tuple[Path, dict[str, str]]) -> None:
    cwd, env = project
    proc, leader = spawn(flow("run", "sleepy.py:slow"), cwd, env)
    before = read_until(leader, proc, until="sleeping now", timeout=60)
    assert "sleeping now" in before
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    text = before + read_until(leader, proc, timeout=30)
    assert proc.wait(timeout=30) == 130, text
    assert screen_lines(text)[-2].startswith("Run slow-")
    assert " stopped (interrupted)" in screen_lines(text)[-2]
    assert "Aborted" not in text and "Traceback" not in text
    shown = subprocess.run(flow("runs", "show", "latest", "--json"), cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=60, check=True).stdout
    run = json.loads(shown)
    assert run["status"] == "stopped"
    steps = {s["name"]: s["status"] for s in run["steps"]}
    assert steps == {"first": "completed", "sleepy": "stopped", "after": "skipped"}
