"""The Dask worker's side of the Dask orchestrator: what one step's task runs there.

A task receives the cloudpickled ``StepTask`` (the user's code by value where the worker
cannot import it by name, see :mod:`flowplan.executor.dask_backend`), where the store's
artifact files are, and the store's pickle key.  It loads the inputs, runs the attempts and
hooks, writes the outputs' files and returns the ``StepResult``: run metadata stays with the
driver.  This module imports no Dask at import time; it is importable wherever flowplan is.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError
from flowplan.messages import settings

if TYPE_CHECKING:
    from flowplan.executor.runner import StepResult
    from flowplan.store.artifact_io import ArtifactIO

STOP_CHECK_EVERY = 0.25  # seconds between questions to the scheduler about a FAIL_FAST stop


@dataclass(frozen=True)
class ArtifactLocation:
    """Where a worker reads and writes artifact files.

    ``home`` is the store's folder (usable where the worker shares the driver's file system),
    ``url`` the fsspec URL new files go to instead, when the store has one."""

    home: str
    url: str | None
    pickle_key: bytes


_STORES: dict[ArtifactLocation, ArtifactIO] = {}


def run_task(
    step_id: str, payload: bytes, location: ArtifactLocation, stop_event: str | None
) -> StepResult:
    """Run one step on this worker; never raises (problems come back as a failed result)."""
    from flowplan.executor.capture import capturing_run
    from flowplan.executor.runner import execute_step
    from flowplan.executor.worker import _expose_main_types, failure, importing_user_code

    try:
        store = artifact_io(location)
        with importing_user_code():
            task = pickle.loads(payload)
        _expose_main_types([*task.annotations.values(), *task.output_annotations])
        with capturing_run():
            result = execute_step(task, store, StopSignal(stop_event))
    except Exception as exc:
        return failure(step_id, f"the Dask worker could not run it: {type(exc).__name__}: {exc}")
    result.values = []  # the driver reads outputs from the store
    return result


def artifact_io(location: ArtifactLocation) -> ArtifactIO:
    """The artifact store of ``location`` on this worker (made once per worker process)."""
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore

    store = _STORES.get(location)
    if store is not None:
        return store
    reachable = os.path.isdir(location.home)
    if location.url is None and not reachable:
        raise ConfigError(
            settings.store_unreachable_from_worker(location.home)
        )
    local = ArtifactStore(Path(location.home) / ARTIFACTS_DIRNAME) if reachable else None
    key = location.pickle_key
    store = _STORES[location] = ArtifactIO(local, location.url, lambda: key)
    return store


class StopSignal:
    """``should_stop`` for a step on a worker: True once the driver has set the run's stop
    event (FAIL_FAST), asked at most every ``STOP_CHECK_EVERY`` seconds."""

    def __init__(self, event_name: str | None) -> None:
        self.event_name = event_name
        self._event: Any = None
        self._next_check = 0.0
        self._set = False

    def __call__(self) -> bool:
        if self._set or self.event_name is None:
            return self._set
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + STOP_CHECK_EVERY
            try:
                if self._event is None:
                    from distributed import Event

                    self._event = Event(self.event_name)
                self._set = bool(self._event.is_set())
            except Exception:  # the scheduler is unreachable: keep running the step
                self._set = False
        return self._set


def module_origins(names: list[str]) -> dict[str, str | None]:
    """The file each module would be imported from here (None when it cannot be imported)."""
    from flowplan.executor.worker import importing_user_code

    origins: dict[str, str | None] = {}
    with importing_user_code():  # a package imported to look inside must not run pipelines
        for name in names:
            try:
                spec = importlib.util.find_spec(name)
            except Exception:
                spec = None
            origin = spec.origin if spec is not None else None
            origins[name] = os.path.realpath(origin) if origin else None
    return origins
