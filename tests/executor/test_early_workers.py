"""Under process isolation the fork server starts before the store opens and the run is
recorded, so that it loads meanwhile; other runs never start one."""

from __future__ import annotations

from typing import Any

import pytest

from flowplan import pipeline, step
from flowplan.executor import background, procpool, run
from flowplan.store.local import LocalStore


@step(enable_cache=False)
def one() -> int:
    return 1


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"orchestrator": {"isolation": "process"}}, ["fork server", "store", "run"]),
        ({"orchestrator": {"isolation": "thread"}}, ["store", "run"]),
        ({"orchestrator": {"isolation": "process", "synchronous": False}}, ["store", "run"]),
    ],
)
def test_the_fork_server_starts_first(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], expected: list[str]
) -> None:
    seen: list[str] = []

    def recording(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if not seen or seen[-1] != label:
                seen.append(label)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, call)

    recording(procpool.ProcessPool, "start", "fork server")
    recording(LocalStore, "for_runs", "store")
    recording(run, "start_run", "run")
    monkeypatch.setattr(run, "drive", lambda *args: None)  # the order up to the run is the point
    monkeypatch.setattr(background, "start_detached", lambda *args: None)

    @pipeline(settings=settings)
    def pipe() -> None:
        one()

    pipe()
    assert seen[: len(expected)] == expected
    assert "fork server" not in seen[len(expected):]


@step(enable_cache=False)
def frozen_objects() -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_are_forked_with_the_servers_objects_frozen() -> None:
    """What the fork server loaded is left out of each worker's cyclic collections."""

    @pipeline(settings={"orchestrator": {"isolation": "process"}})
    def pipe() -> None:
        frozen_objects()

    run = pipe()
    assert run.steps["frozen_objects"].output.load() > 10_000
