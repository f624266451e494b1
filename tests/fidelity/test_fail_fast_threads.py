"""FAIL_FAST under thread isolation (the default) stops a running sibling for real: its
side effect never happens, and the pipeline call returns promptly after the failure."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from flowplan import RunFailedError, pipeline, step
from flowplan.enums import ExecutionMode


@step(enable_cache=False)
def fails_soon(folder: str) -> None:
    time.sleep(0.3)
    Path(folder, "failed_at").write_text(repr(time.time()))
    raise ValueError("first failure")


@step(enable_cache=False)
def slow_side_effect(folder: str) -> None:
    time.sleep(1.5)
    Path(folder, "side_effect").write_text("happened")


@step(enable_cache=False)
def catches_everything(folder: str) -> None:
    for _ in range(150):
        with contextlib.suppress(Exception):  # a stop is not an Exception: never caught
            time.sleep(0.01)
    Path(folder, "swallowed").write_text("happened")


@pipeline(execution_mode=ExecutionMode.FAIL_FAST)
def racing(folder: str) -> None:
    fails_soon(folder=folder)
    slow_side_effect(folder=folder)
    catches_everything(folder=folder)


def test_a_stopped_sibling_never_reaches_its_side_effect(tmp_path: Path) -> None:
    configured = racing.with_options(settings={"orchestrator": {"max_workers": 4}})
    with pytest.raises(RunFailedError) as info:
        configured(folder=str(tmp_path))
    returned = time.time()
    failed_at = float((tmp_path / "failed_at").read_text())
    assert returned - failed_at < 1.0
    steps = info.value.run.steps
    assert steps["slow_side_effect"].status.value == "stopped"
    assert steps["catches_everything"].status.value == "stopped"
    time.sleep(2.0)  # well past the moment the siblings would have written
    assert not (tmp_path / "side_effect").exists()
    assert not (tmp_path / "swallowed").exists()
