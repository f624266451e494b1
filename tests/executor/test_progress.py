"""The progress report: plain lines off a terminal, a live redrawn line on one, silence when
``FLOWPLAN_QUIET=1``."""

from __future__ import annotations

import io
import re

import pytest

from flowplan import RunFailedError, pipeline, step
from flowplan.enums import ExecutionStatus
from flowplan.executor.progress import Progress

S = ExecutionStatus


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@step(enable_cache=False)
def produce() -> int:
    return 1


@step(enable_cache=False)
def consume(x: int) -> int:
    if x:
        raise ValueError("consumer broke")
    return x


@step(enable_cache=False)
def independent() -> int:
    return 2


@pipeline
def reported() -> None:
    consume(produce())
    independent()


def screen_lines(text: str) -> list[str]:
    """The lines a terminal keeps: escape sequences out, each line's last redraw."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return [line.rsplit("\r", 1)[-1] for line in plain.split("\n") if line.rsplit("\r", 1)[-1]]


def run_with_stderr(
    monkeypatch: pytest.MonkeyPatch, stream: io.StringIO, quiet: bool = False
) -> None:
    monkeypatch.setattr("sys.stderr", stream)
    if not quiet:
        monkeypatch.delenv("FLOWPLAN_QUIET")
    with pytest.raises(RunFailedError):
        reported()


def test_plain_lines_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    run_with_stderr(monkeypatch, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("Initiating a new run for the pipeline: reported (reported-")
    assert "Step produce has started." in lines
    assert any(line.startswith("Step produce has finished in ") for line in lines)
    assert "Step consume failed: ValueError: consumer broke" in lines
    assert "\r" not in stream.getvalue()


def test_plain_output_ends_with_one_closing_line(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    run_with_stderr(monkeypatch, stream)
    last = stream.getvalue().splitlines()[-1]
    assert last.startswith("Run reported-") and " failed: 1 step failed (`consume`); " in last
    assert "3/3 done, 1 failed in " in last
    assert last.endswith(f"Logs: flow runs logs {last.split()[1]} consume")


def test_a_live_view_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    run_with_stderr(monkeypatch, stream)
    lines = screen_lines(stream.getvalue())
    assert "Step produce has started." not in lines  # no per-step lines on a terminal
    assert "Step consume failed: ValueError: consumer broke" in lines
    last = lines[-1]
    assert last.startswith("Run reported-") and " failed: 1 step failed (`consume`); " in last


def test_verbose_adds_step_lines_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_VERBOSE", "1")
    stream = Terminal()
    run_with_stderr(monkeypatch, stream)
    assert "Step produce has started." in screen_lines(stream.getvalue())


def test_the_status_line_puts_time_and_counts_before_step_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLOWPLAN_QUIET")
    progress = Progress("run-1", 4, Terminal())
    assert progress.live
    progress.step_started("a")
    progress.step_started("b")
    status = progress.status_text()
    assert status.endswith("0/4 done, 2 running [run-1] | a b")
    assert status.split()[0].endswith("s")  # the elapsed time first: cropping keeps it
    progress.step_finished("a", S.CACHED, 0.0)
    progress.step_finished("b", S.COMPLETED, 0.1)
    assert progress.status_text().endswith("2/4 done, 1 cached [run-1]")


def test_quiet_silences_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    for stream in (io.StringIO(), Terminal()):
        run_with_stderr(monkeypatch, stream, quiet=True)
        assert stream.getvalue() == ""


def test_a_quiet_run_keeps_no_tally_of_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_QUIET", "1")
    stream = io.StringIO()
    progress = Progress("run-1", 2, stream)
    progress.step_started("a")
    progress.step_finished("a", S.FAILED, 0.1, "boom")
    progress.step_finished("b", S.COMPLETED, 0.1)
    assert (progress.counts, progress.running, progress.failed) == ({}, {}, [])
    progress.run_finished(S.FAILED)
    assert stream.getvalue() == ""
