"""The driver: walks a compiled plan with the scheduler, serves cache hits, hands steps to
workers, and is the only writer of run metadata."""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.compiler.invocation import output_types, type_hints
from flowplan.compiler.plan import ArtifactListInput, ArtifactRef, Invocation, ParameterInput
from flowplan.diagnostics import Diagnostic
from flowplan.enums import ExecutionMode, ExecutionStatus
from flowplan.executor.cache import cache_key, caching_enabled
from flowplan.executor.context import (
    PipelineInfo,
    PipelineRunInfo,
    StepContext,
    StepRunConfig,
    StepRunInfo,
)
from flowplan.executor.progress import Progress
from flowplan.executor.runner import StepResult, StepTask, execute_step
from flowplan.executor.scheduler import Scheduler

if TYPE_CHECKING:
    from flowplan.compiler.pipeline import CompiledPipeline
    from flowplan.store.local import LocalStore
    from flowplan.store.records import ArtifactRecord

S = ExecutionStatus


@dataclass
class RunState:
    run_id: UUID
    run_name: str
    produced: dict[str, dict[str, ArtifactRecord]] = field(default_factory=dict)
    step_run_ids: dict[str, UUID] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)


class Driver:
    def __init__(
        self,
        compiled: CompiledPipeline,
        store: LocalStore,
        state: RunState,
        max_workers: int,
        progress: Progress,
    ) -> None:
        self.compiled = compiled
        self.plan = compiled.plan
        self.store = store
        self.meta = store.metadata
        self.state = state
        self.max_workers = max(1, max_workers)
        self.progress = progress
        self.by_id = {inv.id: inv for inv in self.plan.invocations}
        mode = ExecutionMode(self.plan.config.execution_mode)
        self.scheduler = Scheduler(
            {
                inv.id: [d for d in inv.upstream() if d in self.by_id]
                for inv in self.plan.invocations
            },
            mode,
        )

    # -- inputs, parameters, cache --------------------------------------------------------
    def _input_records(self, inv: Invocation) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in inv.inputs.items():
            if isinstance(spec, ArtifactRef):
                out[name] = self.state.produced[spec.step][spec.output]
            elif isinstance(spec, ArtifactListInput):
                out[name] = [self.state.produced[i.step][i.output] for i in spec.items]
        return out

    @staticmethod
    def _parameters(inv: Invocation) -> dict[str, Any]:
        return {k: v.value for k, v in inv.inputs.items() if isinstance(v, ParameterInput)}

    def _cache_key(self, inv: Invocation, records: dict[str, Any]) -> str | None:
        if not caching_enabled(inv, self.plan.config.enable_cache):
            return None
        hashes = {
            name: [r.content_hash for r in (rec if isinstance(rec, list) else [rec])]
            for name, rec in records.items()
        }
        return cache_key(inv, hashes, self._parameters(inv))

    def _links(self, records: dict[str, Any]) -> dict[str, list[UUID]]:
        return {
            name: [r.id for r in (rec if isinstance(rec, list) else [rec])]
            for name, rec in records.items()
        }

    # -- starting steps --------------------------------------------------------------------
    def _try_cache(self, inv: Invocation, key: str | None, records: dict[str, Any]) -> bool:
        if key is None:
            return False
        hit = self.meta.lookup_cache(key)
        if hit is None or any(o.name not in hit for o in inv.outputs):
            return False
        step_run = self.meta.start_step(
            self.state.run_id,
            inv.id,
            inv.step,
            self._parameters(inv),
            {},
            key,
            inputs=self._links(records),
        )
        outputs = {name: [r.id for r in recs] for name, recs in hit.items()}
        self.meta.finish_step(step_run, S.CACHED, outputs)
        self.state.produced[inv.id] = {name: recs[0] for name, recs in hit.items()}
        self.state.step_run_ids[inv.id] = step_run
        self.scheduler.finish(inv.id, S.CACHED)
        self.progress.step_finished(inv.id, S.CACHED, 0.0)
        return True

    def _task(self, inv: Invocation) -> StepTask:
        step = self.compiled.steps[inv.id]
        pipe = self.compiled.pipeline
        hints = type_hints(step.entrypoint)
        hints.pop("return", None)
        context = StepContext(
            step_run=StepRunInfo(
                name=inv.id, config=StepRunConfig(parameters=self._parameters(inv))
            ),
            pipeline_run=PipelineRunInfo(id=self.state.run_id, name=self.state.run_name),
            pipeline=PipelineInfo(name=self.plan.pipeline),
        )
        return StepTask(
            invocation=inv,
            func=step.entrypoint,
            inputs=self._input_records(inv),
            retry=step.retry or pipe.retry,
            on_success=step.on_success or pipe.on_success,
            on_failure=step.on_failure or pipe.on_failure,
            context=context,
            annotations=hints,
            output_annotations=output_types(step),
        )

    def _start(self, inv_id: str) -> StepTask | None:
        """Record the step's start; None when a cache hit already finished it."""
        inv = self.by_id[inv_id]
        records = self._input_records(inv)
        key = self._cache_key(inv, records)
        if self._try_cache(inv, key, records):
            return None
        self.state.keys[inv_id] = key
        self.state.step_run_ids[inv_id] = self.meta.start_step(
            self.state.run_id,
            inv.id,
            inv.step,
            self._parameters(inv),
            {},
            key,
            inputs=self._links(records),
        )
        self.progress.step_started(inv_id)
        return self._task(inv)

    # -- finishing steps -------------------------------------------------------------------
    def _finish(self, result: StepResult) -> None:
        inv = self.by_id[result.id]
        step_run = self.state.step_run_ids[result.id]
        if self.scheduler.status.get(result.id) is S.STOPPED:
            return
        for attempt in result.attempts:
            self.meta.record_attempt(
                step_run, attempt.number, attempt.started, attempt.ended, attempt.error
            )
        outputs: dict[str, list[UUID]] = {}
        if result.ok:
            produced = {}
            for saved in result.outputs:
                out = inv.output(saved.name)
                assert out is not None
                record = self.meta.record_artifact(
                    out.artifact_name,
                    saved.uri,
                    saved.content_hash,
                    saved.data_type,
                    saved.materializer,
                    step_run,
                    saved.name,
                )
                produced[saved.name] = record
                outputs[saved.name] = [record.id]
            self.state.produced[inv.id] = produced
            self.state.values[inv.id] = result.values
        else:
            self.state.failures[inv.id] = (result.error or "failed").splitlines()[-1]
        status = S.COMPLETED if result.ok else S.FAILED
        self.meta.finish_step(
            step_run,
            status,
            outputs,
            cache_key=self.state.keys.get(inv.id) if result.ok else None,
            stdout=result.stdout,
            stderr=result.stderr,
            error=result.error,
        )
        self.state.warnings.extend(result.warnings)
        self.scheduler.finish(inv.id, status)
        duration = (
            (result.attempts[-1].ended - result.attempts[0].started) if result.attempts else 0.0
        )
        self.progress.step_finished(inv.id, status, duration, result.error)

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        pool: cf.ThreadPoolExecutor | None = None
        running: dict[cf.Future[StepResult], str] = {}
        stop = self.state.stop_event.is_set
        try:
            while True:
                progressed = False
                for inv_id in self.scheduler.ready():
                    progressed = True
                    task = self._start(inv_id)
                    if task is None:
                        continue
                    if not running and len(self.scheduler.running) == 1:
                        self._finish(execute_step(task, self.store, stop))
                        continue
                    if pool is None:
                        pool = cf.ThreadPoolExecutor(
                            self.max_workers, thread_name_prefix="flowplan-step"
                        )
                    running[pool.submit(execute_step, task, self.store, stop)] = inv_id
                self.scheduler.settle()
                if progressed:
                    continue
                if not running:
                    break
                done, _ = cf.wait(list(running), return_when=cf.FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    self._finish(future.result())
                if self.scheduler.halted and self.scheduler.mode is ExecutionMode.FAIL_FAST:
                    self.state.stop_event.set()
                    for inv_id in running.values():
                        self._mark_stopped(inv_id)
                    running.clear()
        finally:
            if pool is not None:
                pool.shutdown(wait=not self.state.stop_event.is_set(), cancel_futures=True)
        self._record_unstarted()

    def _mark_stopped(self, inv_id: str) -> None:
        self.meta.finish_step(
            self.state.step_run_ids[inv_id],
            S.STOPPED,
            {},
            error="stopped: another step failed under FAIL_FAST",
        )
        self.progress.step_finished(inv_id, S.STOPPED, 0.0)

    def _record_unstarted(self) -> None:
        for inv in self.plan.invocations:
            if inv.id not in self.state.step_run_ids:
                status = self.scheduler.status.get(inv.id, S.SKIPPED)
                self.state.step_run_ids[inv.id] = self.meta.start_step(
                    self.state.run_id,
                    inv.id,
                    inv.step,
                    self._parameters(inv),
                    {},
                    None,
                    status=status,
                )
                self.progress.step_finished(inv.id, status, 0.0)


def default_workers() -> int:
    return os.cpu_count() or 1


def elapsed_since(start: float) -> float:
    return time.perf_counter() - start
