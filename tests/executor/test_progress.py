"""The progress report: plain lines off a terminal, a live redrawn line on one, silence when
``FLOWPLAN_QUIET=1``."""

from __future__ import annotations

import io

import pytest

from flowplan import RunFailedError, pipeline, step
from flowplan.enums import ExecutionStatus
from flowplan.executor.progress import CLEAR, Progress

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


def test_a_live_line_redrawn_in_place_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    run_with_stderr(monkeypatch, stream)
    text = stream.getvalue()
    assert text.count(CLEAR) >= 3
    assert "Step produce has started." not in text  # no per-step lines on a terminal
    assert f"{CLEAR}Step consume failed: ValueError: consumer broke\n" in text
    final = text.rsplit(CLEAR, 1)[1]
    assert final.startswith("reported-") and final.endswith("\n")
    assert ": failed, 3/3 done, 1 failed" in final


def test_the_live_line_counts_and_names_running_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWPLAN_QUIET")
    monkeypatch.setattr("flowplan.executor.progress.MIN_REDRAW", 0.0)
    stream = Terminal()
    progress = Progress("run-1", 4, stream)
    assert progress.live
    progress.run_started("pipe")
    progress.step_started("a")
    progress.step_started("b")
    drawn = stream.getvalue().rsplit(CLEAR, 1)[1]
    assert drawn.startswith("pipe [run-1] 0/4 done, 2 running, ") and drawn.endswith("| a b")
    progress.step_finished("a", S.CACHED, 0.0)
    progress.step_finished("b", S.COMPLETED, 0.1)
    progress.tick()
    drawn = stream.getvalue().rsplit(CLEAR, 1)[1]
    assert drawn.startswith("pipe [run-1] 2/4 done, 1 cached, ") and drawn.endswith("s")
    assert "\n" not in drawn


def test_quiet_silences_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    for stream in (io.StringIO(), Terminal()):
        run_with_stderr(monkeypatch, stream, quiet=True)
        assert stream.getvalue() == ""
