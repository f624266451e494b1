"""Runs that go on in a detached background process (``synchronous=False``, triggers).

The caller creates the run record (so the run's name is reserved and its id known), writes a
*job* -- the compiled pipeline, cloudpickled with ``__main__`` code by value and signed with
the store's key -- and starts ``python -m flowplan.executor.background JOB`` in a new session,
so the run outlives the caller.  The child verifies the signature, loads the job without
re-running the user's script, and drives the run.  Its output goes to ``<home>/logs/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.diagnostics import ConfigError, FlowplanError
from flowplan.enums import ExecutionStatus
from flowplan.messages import runtime
from flowplan.store.views import Snapshot

if TYPE_CHECKING:
    from flowplan.compiler.pipeline import CompiledPipeline, Pipeline
    from flowplan.compiler.plan import Invocation, Plan
    from flowplan.executor.ledger import RunState
    from flowplan.store.local import LocalStore


@dataclass
class Job:
    """What a background process needs: a compiled pipeline, or a snapshot to trigger."""

    run_id: UUID
    run_name: str
    compiled: CompiledPipeline | None = None
    snapshot_id: UUID | None = None
    run_configuration: dict[str, Any] | None = None
    cwd: str = "."
    sys_path: list[str] | None = None


def _job_dir(store: LocalStore) -> Path:
    folder = store.home / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def launch(job: Job, store: LocalStore) -> subprocess.Popen[bytes]:
    """Write ``job`` (signed) and start the detached process that runs it."""
    from flowplan.executor.worker_protocol import dumps, modules_importing_now, pickled_by_value
    from flowplan.store.pickling import sign

    job.cwd = os.getcwd()
    job.sys_path = [p for p in sys.path if p]
    with pickled_by_value(modules_importing_now()):
        payload = sign(dumps(job), store.pickle_key())
    path = _job_dir(store) / f"{job.run_id}.job"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as handle:  # private from the start: the job holds the user's code
        handle.write(payload)
    os.replace(tmp, path)
    logs = store.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FLOWPLAN_HOME": str(store.home)}
    log_fd = os.open(logs / f"{job.run_id}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with open(log_fd, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flowplan.executor.background", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,
            cwd=job.cwd,
        )


def _load(path: Path, store: LocalStore) -> Job:
    import pickle

    from flowplan.executor.worker import importing_user_code
    from flowplan.store.pickling import open_signed

    body = open_signed(path.read_bytes(), store.pickle_key())
    with importing_user_code():
        job = pickle.loads(body)
    if not isinstance(job, Job):
        raise TypeError(f"{path} does not hold a flowplan job")
    return job


def _compiled_for(job: Job, store: LocalStore) -> CompiledPipeline:
    if job.compiled is not None:
        return job.compiled
    assert job.snapshot_id is not None
    return compile_snapshot(store, job.snapshot_id, job.run_configuration)


def run_job(path: Path) -> int:
    """The background process: run the job at ``path``; the exit code says how it went."""
    from flowplan.executor.ledger import RunState
    from flowplan.executor.run import drive
    from flowplan.store.local import LocalStore

    store = LocalStore.open()
    job: Job | None = None
    try:
        job = _load(path, store)
        os.chdir(job.cwd)
        for entry in reversed(job.sys_path or []):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        compiled = _compiled_for(job, store)
        if job.snapshot_id is not None:
            plan = compiled.plan
            store.metadata.set_run_plan(job.run_id, plan.to_json(), plan.parameters)
        state = RunState(run_id=job.run_id, run_name=job.run_name, warnings=list(compiled.warnings))
        status = drive(compiled, store, state)
    except BaseException as exc:
        traceback.print_exc()
        run_id = job.run_id if job is not None else UUID(path.stem)
        if not store.metadata.get_run(run_id).status.is_finished:
            reason = traceback.format_exc().strip().splitlines()[-1]
            warnings = (
                [d.to_json() for d in exc.diagnostics]
                if isinstance(exc, FlowplanError)
                else [runtime.background_run_failed(reason).to_json()]
            )
            store.metadata.finish_run(run_id, ExecutionStatus.FAILED, warnings)
        return 1
    finally:
        path.unlink(missing_ok=True)
    return 0 if status is ExecutionStatus.COMPLETED else 1


def start_detached(compiled: CompiledPipeline, store: LocalStore, state: RunState) -> None:
    """Hand a created run over to a background process."""
    launch(Job(run_id=state.run_id, run_name=state.run_name, compiled=compiled), store)


def _pipeline_object(snapshot: Snapshot) -> Pipeline:
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.executor.worker import importing_user_code
    from flowplan.loader import load_module, not_running

    plan = snapshot.plan
    with importing_user_code(), not_running():
        module: Any = None
        if plan.source.module and plan.source.module != "__main__":
            try:  # by name, as the run imported it; else from the snapshot's file
                module = load_module(plan.source.module)
            except ConfigError as exc:
                if exc.diagnostic.code != "FP009":
                    raise
                module = None
        if module is None and snapshot.path:
            module = load_module(snapshot.path)
    obj = getattr(module, plan.source.qualname, None) if module is not None else None
    if not isinstance(obj, Pipeline):
        raise FlowplanError(
            runtime.snapshot_pipeline_gone(
                snapshot.name, plan.source.qualname, snapshot.path or plan.source.module
            )
        )
    return obj


def compile_snapshot(
    store: LocalStore, snapshot_id: UUID, run_configuration: Mapping[str, Any] | None
) -> CompiledPipeline:
    """In the background process: the snapshot's pipeline compiled with the configuration."""
    snapshot = Snapshot.of(store.metadata.get_snapshot(snapshot_id))
    pipe = _pipeline_object(snapshot)
    configuration = dict(run_configuration or {})
    params = {**snapshot.plan.parameters, **configuration.pop("parameters", {})}
    compiled = pipe.compiled_with(configuration, **params)
    changes = code_changes(snapshot.plan, compiled.plan)
    if changes:
        raise FlowplanError(runtime.snapshot_code_changed(
            snapshot.name, changes, snapshot.path or snapshot.plan.source.module, snapshot.path))
    return compiled


def code_changes(taken: Plan, now: Plan) -> list[str]:
    """What differs between the code a snapshot was taken of and the code found now: the code
    of each step both plans use; with the same parameters, also steps gone or new (other
    parameters may rightly give the pipeline other steps)."""
    before: dict[str, Invocation] = {}
    after: dict[str, Invocation] = {}
    for plan, found in ((taken, before), (now, after)):
        for inv in plan.invocations:  # a step's first call stands for all its calls; the
            found.setdefault(inv.source.qualname, inv)  # module may be __main__ in one
    changes = [
        f"the code of step `{inv.id}` ({inv.source.qualname}) changed"
        for key, inv in before.items()
        if key in after and after[key].code_hash != inv.code_hash
    ]
    if taken.parameters == now.parameters:
        ids = {inv.id for inv in now.invocations}
        old = {inv.id for inv in taken.invocations}
        changes += [f"step `{i.id}` is gone" for i in taken.invocations if i.id not in ids]
        changes += [f"step `{i.id}` is new" for i in now.invocations if i.id not in old]
    return changes


if __name__ == "__main__":
    # Run the importable module's ``run_job``, so that jobs unpickle against its ``Job`` class.
    from flowplan.executor.background import run_job as _run_job

    sys.exit(_run_job(Path(sys.argv[1])))
