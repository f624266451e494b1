"""The Dask worker's side of the Dask orchestrator: what one step's task runs there.

A task receives the step's ``StepTask`` as a :class:`Shipment` (the user's code by value
where the worker cannot import it by name, see :mod:`flowplan.executor.dask_shipping`) and
where the store's artifact files are, with the store's identity -- never its pickle signing
key.  It checks that the location is the driver's store, loads the inputs (checked against
the content hashes the driver sent), runs the attempts and hooks, writes the outputs' files
(pickles marked ``digest-checked``: the driver records their hashes) and returns the
``StepResult`` with the worker's address: run metadata stays with the driver.  This module
imports no Dask at import time; it is importable wherever flowplan is.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.executor.runner import StepResult, StepTask
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.artifacts import ArtifactStore

KEPT_PARTS = 256  # parts shared by steps that a worker process keeps loaded (see Shipment)
STOP_CHECK_EVERY = 0.25  # seconds between questions to the scheduler about a FAIL_FAST stop
SYNC_EVERY = 0.5  # seconds between fsyncs of the output files a worker wrote meanwhile


@dataclass(frozen=True)
class ArtifactLocation:
    """Where a worker reads and writes artifact files, and whose they are.

    ``home`` is the store's folder (usable where the worker shares the driver's file system),
    ``url`` the fsspec URL new files go to instead, when the store has one; ``store_id`` the
    store's identity, whose marker the worker must find where it writes.  The store's pickle
    signing key is not here: it never leaves the driver's machine."""

    home: str
    url: str | None
    store_id: str


_STORES: dict[ArtifactLocation, ArtifactIO] = {}
_PARTS: dict[str, Any] = {}  # digest -> a shared part, loaded (the oldest first)
_ABSENT = object()


class Shipment:
    """What one step's task carries: ``own``, the fields of its ``StepTask`` that are the
    step's alone (its invocation, input records, parameters), pickled for it; ``shared``,
    field name -> digest of the objects it has in common with other steps of the run (its
    code, hooks, retry settings and type hints; the run's and pipeline's part of its
    context), each cloudpickled once by the driver; ``parts``, digest -> those
    pickles.  A worker process loads each part once and keeps it (``KEPT_PARTS`` at most)."""

    __slots__ = ("own", "parts", "shared")

    def __init__(self, own: bytes, shared: dict[str, str], parts: dict[str, bytes]) -> None:
        self.own = own
        self.shared = shared
        self.parts = parts

    def unpack(self) -> StepTask:
        """The step's task (call while user code may be imported: see ``run_task``)."""
        from flowplan.executor.runner import StepTask

        fields = pickle.loads(self.own)
        for name, digest in self.shared.items():
            value = _PARTS.get(digest, _ABSENT)
            if value is _ABSENT:
                value = pickle.loads(self.parts[digest])
                while len(_PARTS) >= KEPT_PARTS:
                    _PARTS.pop(next(iter(_PARTS)), None)
                _PARTS[digest] = value
            fields[name] = value
        return StepTask(**fields)


def run_tasks(
    bundle: bytes, location: ArtifactLocation, stop_event: str | None
) -> list[StepResult]:
    """Run several steps on this worker, one after the other (see
    :func:`flowplan.executor.dask_batches.bundle_payload`): their results, in order."""
    from flowplan.executor.runner import StepResult

    step_ids, shipments = pickle.loads(bundle)
    signal = StopSignal(stop_event)  # asked of the scheduler at most every so often
    results: list[StepResult] = []
    for step_id, shipment in zip(step_ids, shipments, strict=True):
        if results and signal():  # the run stopped (FAIL_FAST): the rest do not start
            results.append(StepResult(id=step_id, ok=False, stopped=True))
        else:
            results.append(run_task(step_id, shipment, location, stop_event, signal))
    return results


def run_task(
    step_id: str,
    shipment: Shipment,
    location: ArtifactLocation,
    stop_event: str | None,
    signal: StopSignal | None = None,
) -> StepResult:
    """Run one step on this worker; never raises (problems come back as a failed result)."""
    from flowplan.executor.backends import run_in_a_thread
    from flowplan.executor.capture import capturing_run
    from flowplan.executor.worker import _expose_main_types, failure, importing_user_code
    from flowplan.interrupts import StepThreadRegistry

    try:
        store = artifact_io(location)
        with importing_user_code():
            task = shipment.unpack()
        _expose_main_types([*task.annotations.values(), *task.output_annotations])
        with capturing_run():
            # A step's timeout is kept here, on the worker: the task returns FP522 at the
            # deadline and frees its slot; the step's thread is left to stop (see
            # ``run_in_a_thread``).  A registry per task: two runs may share step ids.
            should_stop = signal or StopSignal(stop_event)
            result = run_in_a_thread(task, store, should_stop, StepThreadRegistry())
    except ConfigError as exc:
        result = failure(step_id, f"the Dask worker could not run it: {exc}")
    except Exception as exc:
        result = failure(step_id, f"the Dask worker could not run it: {type(exc).__name__}: {exc}")
    result.values = []  # the driver reads outputs from the store
    result.worker = worker_address()
    return result


def worker_address() -> str | None:
    """The address of the Dask worker running this code (None outside one)."""
    try:
        from distributed import get_worker

        address: str = get_worker().address
    except (ImportError, ValueError):
        return None
    return address


def location_problem(location: ArtifactLocation) -> str | None:
    """Why this worker must not write to ``location`` (None when it may): the store's
    folder is out of reach, or the folder or URL here holds no marker of the driver's store."""
    from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore
    from flowplan.store.remote import RemoteArtifactStore

    if location.url is None:
        if not os.path.isdir(location.home):
            return (
                f"the store's folder {location.home} does not exist on this worker; workers "
                "that do not share the driver's file system need an artifact store URL"
            )
        target: ArtifactStore | RemoteArtifactStore = ArtifactStore(
            Path(location.home) / ARTIFACTS_DIRNAME
        )
        where = f"the folder {location.home}"
    else:
        try:
            target = RemoteArtifactStore(location.url)
        except ConfigError as exc:
            return str(exc)
        where = location.url
    if not target.has_marker(location.store_id):
        return (
            f"{where} on this worker is not the driver's store (it lacks the store's marker "
            f".flowplan-stores/{location.store_id}): another machine or mount has a different "
            "folder there"
        )
    return None


def location_error(problems: dict[str, str]) -> ConfigError:
    """``FP557``: the workers named in ``problems`` would write where the driver cannot read."""
    return ConfigError(runtime.dask_store_unreachable(problems))


def artifact_io(location: ArtifactLocation) -> ArtifactIO:
    """The artifact store of ``location`` on this worker (made once per worker process, after
    checking that it is the driver's store: ``FP557`` if not)."""
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore
    from flowplan.store.materializers import no_key

    store = _STORES.get(location)
    if store is not None:
        return store
    problem = location_problem(location)
    if problem is not None:
        raise location_error({worker_address() or "this worker": problem})
    reachable = os.path.isdir(location.home)
    local = ArtifactStore(Path(location.home) / ARTIFACTS_DIRNAME) if reachable else None
    store = _STORES[location] = ArtifactIO(local, location.url, no_key)
    if local is not None and location.url is None:
        threading.Thread(
            target=_sync_written, args=(local,), name="flowplan-sync", daemon=True
        ).start()
    return store


def _sync_written(files: ArtifactStore) -> None:
    """Make the output files this worker wrote durable, a group every ``SYNC_EVERY`` seconds:
    one fsync per file before each step returned would cost more than a tiny step.  A file
    lost to a crash of this machine in that window fails the digest check of its next read,
    and the step is run again (DESIGN decision 19)."""
    while True:
        time.sleep(SYNC_EVERY)
        with contextlib.suppress(OSError):
            files.sync_written()


class StopSignal:
    """``should_stop`` for a step on a worker: True once the driver has set the run's stop
    event (FAIL_FAST), asked at most every ``STOP_CHECK_EVERY`` seconds."""

    def __init__(self, event_name: str | None) -> None:
        self.event_name = event_name
        self._event: Any = None
        self._next_check = 0.0
        self._set = False

    def fresh(self) -> bool:
        """Asked of the scheduler now (before a step's hooks: a stop set since the last
        look must be seen)."""
        self._next_check = 0.0
        return self()

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
