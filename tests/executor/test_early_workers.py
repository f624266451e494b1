"""Under process isolation the fork server starts before the pipeline compiles (or, when a
project's settings may choose otherwise, before the store opens and the run is recorded), so
that it loads meanwhile; other runs never start one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowplan import pipeline, step
from flowplan.compiler import build
from flowplan.executor import background, procpool, run
from flowplan.store.local import LocalStore


@step(enable_cache=False)
def one() -> int:
    return 1


PROJECT = '[tool.flowplan]\nenforce-type-annotations = false\n'


@pytest.mark.parametrize(
    ("settings", "project", "expected"),
    [
        # before the compile: the server's interpreter loads while this one compiles
        ({"orchestrator": {"isolation": "process"}}, "", ["fork server", "compile", "store", "run"]),
        ({"orchestrator.local": {"isolation": "process"}}, "",
         ["fork server", "compile", "store", "run"]),
        # a project's settings (which may choose Dask) are read after the compile
        ({"orchestrator": {"isolation": "process"}}, PROJECT,
         ["compile", "fork server", "store", "run"]),
        ({"orchestrator": {"isolation": "thread"}}, "", ["compile", "store", "run"]),
        ({"orchestrator": {"isolation": "process", "synchronous": False}}, "",
         ["compile", "store", "run"]),
    ],
)
def test_the_fork_server_starts_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: dict[str, Any], project: str,
    expected: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no project above, unless the case writes one
    if project:
        (tmp_path / "pyproject.toml").write_text(project)
    procpool.close_shared_pool()  # a fork server of an earlier test must not count
    seen: list[str] = []

    def recording(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if not seen or seen[-1] != label:
                seen.append(label)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, call)

    ensure = procpool.ProcessPool._ensure_zygote

    def starting(pool: procpool.ProcessPool) -> None:
        if pool._zygote is None:
            seen.append("fork server")
        ensure(pool)

    monkeypatch.setattr(procpool.ProcessPool, "_ensure_zygote", starting)
    recording(build, "compile_pipeline", "compile")
    recording(LocalStore, "for_runs", "store")
    recording(run, "start_run", "run")
    monkeypatch.setattr(run, "drive", lambda *args: None)  # the order up to the run is the point
    monkeypatch.setattr(background, "start_detached", lambda *args: None)

    @pipeline(settings=settings)
    def pipe() -> None:
        one()

    pipe()
    assert seen == expected


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
