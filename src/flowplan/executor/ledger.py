"""The driver's books: it alone writes run metadata -- step starts, cache hits, results,
stopped and never-started steps, through the run's :class:`RunWriter` (journaled, committed
in groups) -- and builds the task a worker runs.

The cache costs one query per run: before the first step, every entry that a step of the
plan could hit is read (by code hash); each step then looks its key up in memory, and uses
a hit only after its artifacts' content matches the digests recorded with them (DESIGN
decision 19).  A damaged or missing artifact drops the entry, and the step runs again."""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.compiler.invocation import output_types
from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    Invocation,
    ParameterInput,
    StoredArtifactInput,
)
from flowplan.compiler.settings import orchestrator_settings
from flowplan.diagnostics import Diagnostic
from flowplan.enums import ExecutionStatus
from flowplan.executor.cache_keys import caching_enabled, step_cache_key, verify_cached
from flowplan.executor.capture import replay
from flowplan.executor.context import (
    LoggedLabels,
    PipelineInfo,
    PipelineRunConfig,
    PipelineRunInfo,
)
from flowplan.executor.naming import fill, placeholder_values
from flowplan.executor.runner import StepResult, StepTask
from flowplan.plain_functions import defaults
from flowplan.store.checked_files import look_again
from flowplan.store.db import NewArtifact
from flowplan.store.queries import outputs_of

if TYPE_CHECKING:
    from flowplan.compiler.pipeline import CompiledPipeline
    from flowplan.executor.progress import Progress
    from flowplan.store.local import LocalStore
    from flowplan.store.records import ArtifactRecord
    from flowplan.store.run_writer import RunWriter

S = ExecutionStatus
CROWDED_FROM = 256  # cache entries of a step's code read at a run's start, at least ...
ENTRIES_PER_USE = 8  # ... or this many per step of the run with that code (an entry read
# costs ~16 us; a step asking for its own key, a read of its own, ~0.2 ms, here)
Records = dict[str, Any]  # input name -> artifact record, or list of records (fan-in)


@dataclass
class RunState:
    """What the driver knows of its run: its id and name, and the artifacts produced so far."""

    run_id: UUID
    run_name: str
    produced: dict[str, dict[str, ArtifactRecord]] = field(default_factory=dict)
    step_run_ids: dict[str, UUID] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)
    named_at: datetime | None = None  # the time the run's name was taken from (placeholders)


def _flat(records: Records, attribute: str) -> dict[str, list[Any]]:
    return {
        name: [getattr(r, attribute) for r in (rec if isinstance(rec, list) else [rec])]
        for name, rec in records.items()
    }


def open_ledger(
    compiled: CompiledPipeline, store: LocalStore, state: RunState, progress: Progress
) -> Ledger:
    """The run's ledger, with what it reads once before the first step."""
    from flowplan.store.run_writer import RunWriter

    plan = compiled.plan
    uses = Counter(
        inv.code_hash
        for inv in plan.invocations
        if caching_enabled(inv, plan.config.enable_cache) and inv.code_hash
    )
    # Of each step's code, the run reads every cache entry when they are few for the steps
    # that could hit them; a code with more (a step run with ever new inputs) is crowded:
    # its steps ask for their own key.
    limits = {code: max(CROWDED_FROM, ENTRIES_PER_USE * n) for code, n in sorted(uses.items())}
    names = [out.artifact_name for inv in plan.invocations for out in inv.outputs]
    index = store.metadata.run_index(limits, names)
    local = store.local_artifacts
    look_again()  # what changed before the run is seen by its first cache hit
    writer = RunWriter(
        store.metadata,
        state.run_id,
        versions=index.versions,
        sync_files=local.sync_written if local is not None else lambda: None,
    )
    return Ledger(compiled, store, state, progress, writer, index.entries, legacy=index.legacy,
                  crowded=index.crowded)  # fmt: skip


@functools.lru_cache(maxsize=1024)
def defaulted_parameters(func: Callable[..., Any]) -> dict[str, Any]:
    """A step function's parameters that have a JSON default value, with that value."""
    found = {}
    for name, default in defaults(func).items():
        try:
            found[name] = json.loads(json.dumps(default))
        except (TypeError, ValueError):
            continue
    return found


def _producer(hit: dict[str, list[ArtifactRecord]]) -> str | None:
    """The step run that produced cached outputs, as their artifact records say."""
    for records in hit.values():
        for record in records:
            if record.step_run_id is not None:
                return str(record.step_run_id)
    return None


class Ledger:
    def __init__(
        self,
        compiled: CompiledPipeline,
        store: LocalStore,
        state: RunState,
        progress: Progress,
        writer: RunWriter,
        cache: dict[str, tuple[str, list[Any]]],
        *,
        legacy: bool = False,
        crowded: frozenset[str] = frozenset(),
    ) -> None:
        self.compiled = compiled
        self.plan = compiled.plan
        self.store = store
        self.meta = store.metadata
        self.state = state
        self.writer = writer
        self.cache = cache
        self.legacy = legacy  # entries without a code hash exist: misses ask the store
        self.crowded = crowded  # code hashes whose entries were not read: misses ask too
        self.progress = progress
        self.with_hooks: set[str] = set()
        self.orchestrator = "local"  # recorded with each step: `local` or `dask`
        # Steps run in this process: their new output files are made durable by the writer,
        # a group at a time, before the group's records commit.
        self.writer_syncs = False
        self.step_timeout = orchestrator_settings(self.plan.config.settings).step_timeout
        self.placeholders = placeholder_values(self.plan.config.substitutions, state.named_at)
        self.run_config = PipelineRunConfig(extra=dict(self.plan.config.extra))
        # the same for every step of the run (frozen)
        self.run_info = PipelineRunInfo(id=state.run_id, name=state.run_name,
                                        config=self.run_config)
        self.pipeline_info = PipelineInfo(name=self.plan.pipeline)
        self._parameter_values: dict[str, dict[str, Any]] = {}
        # Input and output annotations of each step object (the same for all its invocations)
        self._annotations: dict[int, tuple[dict[str, Any], list[Any]]] = {}
        self._defaults: dict[int, str] = {}  # id of a step object -> its JSON defaults

    # -- starting --------------------------------------------------------------------------
    def start(self, inv: Invocation) -> StepTask | None:
        """Record the step's start and return its task; None when a cache hit served it."""
        records = self._input_records(inv)
        key = self._cache_key(inv, records)
        hit, original = self._cached(inv, key) if key is not None else (None, None)
        inputs = _flat(records, "id")
        if hit is not None:
            outputs = {name: [r.id for r in recs] for name, recs in hit.items()}
            step_run = self.writer.start(
                inv.id, inv.step, self._recorded_parameters(inv), key, inputs=inputs,
                status=S.CACHED, outputs=outputs, orchestrator=self.orchestrator,
                original=original,
            )  # fmt: skip
            self.state.step_run_ids[inv.id] = step_run
            self.state.produced[inv.id] = {name: recs[0] for name, recs in hit.items()}
            self.progress.step_finished(inv.id, S.CACHED, 0.0)
            return None
        parameters = self._recorded_parameters(inv)
        step_run = self.writer.start(
            inv.id, inv.step, parameters, key, inputs=inputs, orchestrator=self.orchestrator,
        )  # fmt: skip
        self.state.step_run_ids[inv.id] = step_run
        self.state.keys[inv.id] = key
        self.progress.step_started(inv.id)
        task = self._task(inv, records, parameters)
        if task.on_success is not None or task.on_failure is not None:
            self.with_hooks.add(inv.id)
            self.writer.hooks_started()
        return task

    def _cached(
        self, inv: Invocation, key: str
    ) -> tuple[dict[str, list[ArtifactRecord]] | None, str | None]:
        """The outputs cached under ``key``, once their content is verified, and the step run
        that produced them; else ``(None, None)``."""
        entry = self.cache.get(key)
        if entry is None:
            if not self.legacy and inv.code_hash not in self.crowded:
                return None, None
            hit = self.meta.lookup_cache(key, pending=False)  # (no commit of this run's group)
            if hit is None:
                return None, None
            entry = ("", [])
        else:
            hit = outputs_of(entry[1])
        if not all(o.name in hit for o in inv.outputs):
            return None, None
        if verify_cached(self.store, hit):
            return hit, entry[0] or _producer(hit)
        self.cache.pop(key, None)
        self.meta.drop_cache_entry(key, entry[0] or None)
        return None, None

    def _input_records(self, inv: Invocation) -> Records:
        out: Records = {}
        for name, spec in inv.inputs.items():
            if isinstance(spec, ArtifactRef):
                out[name] = self.state.produced[spec.step][spec.output]
            elif isinstance(spec, ArtifactListInput):
                out[name] = [self.state.produced[i.step][i.output] for i in spec.items]
            elif isinstance(spec, StoredArtifactInput):
                out[name] = self.meta.get_artifact(spec.artifact_id)
        return out

    def _parameters(self, inv: Invocation) -> dict[str, Any]:
        """The invocation's parameter values (the same dict each time: never changed)."""
        values = self._parameter_values.get(inv.id)
        if values is None:
            values = self._parameter_values[inv.id] = {
                k: v.value for k, v in inv.inputs.items() if isinstance(v, ParameterInput)
            }
        return values

    def _recorded_parameters(self, inv: Invocation) -> dict[str, Any]:
        """The parameters as the step sees them: given ones, and defaults of the others."""
        step = self.compiled.steps[inv.id]
        known = self._defaults.get(id(step))
        if known is None:  # the signature is read once per step object (as JSON: fresh values)
            known = self._defaults[id(step)] = json.dumps(defaulted_parameters(step.entrypoint))
        given = self._parameters(inv)
        if known == "{}":
            return given
        defaults = json.loads(known)
        return {**{k: v for k, v in defaults.items() if k not in inv.inputs}, **given}

    def _cache_key(self, inv: Invocation, records: Records) -> str | None:
        if not caching_enabled(inv, self.plan.config.enable_cache):
            return None
        return step_cache_key(inv, records, self._parameters)

    def _task(self, inv: Invocation, records: Records, parameters: dict[str, Any]) -> StepTask:
        step = self.compiled.steps[inv.id]
        pipe = self.compiled.pipeline
        annotations = self._annotations.get(id(step))
        if annotations is None:
            hints = step.type_hints
            hints.pop("return", None)
            annotations = self._annotations[id(step)] = (hints, output_types(step))
        hints, outputs = annotations
        return StepTask(
            invocation=inv,
            func=step.entrypoint,
            inputs=records,
            retry=step.retry or pipe.retry,
            on_success=step.on_success or pipe.on_success,
            on_failure=step.on_failure or pipe.on_failure,
            parameters=parameters,
            run_info=self.run_info,
            pipeline_info=self.pipeline_info,
            annotations=hints,
            output_annotations=outputs,
            timeout=inv.config.timeout or self.step_timeout,
            sync_outputs=not self.writer_syncs,
        )

    # -- finishing -------------------------------------------------------------------------
    def finish(self, inv: Invocation, result: StepResult) -> ExecutionStatus:
        """Record a step's attempts, outputs and end (completed steps join the cache)."""
        look_again()  # the step's code may have changed files a later cache hit reuses
        step_run = self.state.step_run_ids[inv.id]
        status = S.COMPLETED if result.ok else S.FAILED
        artifacts = []
        for saved in result.outputs if result.ok else []:
            out = inv.output(saved.name)
            assert out is not None
            artifacts.append(
                NewArtifact(
                    fill(out.artifact_name, self.placeholders),
                    saved.uri,
                    saved.content_hash,
                    saved.data_type,
                    saved.materializer,
                    saved.name,
                )
            )
        records = self.writer.finish(
            step_run,
            status,
            attempts=[(a.number, a.started, a.ended, a.error) for a in result.attempts],
            artifacts=artifacts,
            cache_key=self.state.keys.get(inv.id) if result.ok else None,
            code_hash=inv.code_hash,
            stdout=result.stdout,
            stderr=result.stderr,
            worker=result.worker,
            error=result.error,
        )
        self._hooks_done(inv.id)
        if result.ok and result.labels:
            self._record_labels(step_run, records or {}, result.labels)
        if result.ok:
            self.state.produced[inv.id] = records or {}
            if result.values or not result.outputs:  # a worker process sends no values
                self.state.values[inv.id] = result.values
        else:
            self.state.failures[inv.id] = (result.error or "failed").splitlines()[-1]
        if not result.echoed:
            replay(result.stdout, result.stderr)
        self.state.warnings.extend(result.warnings)
        self.progress.warnings(result.warnings)
        duration = result.attempts[-1].ended - result.attempts[0].started if result.attempts else 0
        self.progress.step_finished(inv.id, status, duration, result.error)
        return status

    def _record_labels(
        self, step_run: UUID, records: dict[str, ArtifactRecord], labels: LoggedLabels
    ) -> None:
        meta = self.meta
        meta.add_labels("step_run", step_run, metadata=labels.step_metadata)
        meta.add_labels(
            "run", self.state.run_id, metadata=labels.run_metadata, tags=labels.run_tags
        )
        for output, record in records.items():
            meta.add_labels(
                "artifact",
                record.id,
                metadata=labels.artifact_metadata.get(output),
                tags=labels.artifact_tags.get(output, ()),
            )

    def stopped(self, inv_id: str, reason: str) -> None:
        self.writer.stop(self.state.step_run_ids[inv_id], reason)
        self._hooks_done(inv_id)
        self.progress.step_finished(inv_id, S.STOPPED, 0.0)

    def _hooks_done(self, inv_id: str) -> None:
        if inv_id in self.with_hooks:
            self.with_hooks.discard(inv_id)
            self.writer.hooks_ended()

    def unstarted(self, statuses: dict[str, ExecutionStatus]) -> None:
        """Record the steps that never started (skipped), so every step has a row."""
        for inv in self.plan.invocations:
            if inv.id not in self.state.step_run_ids:
                status = statuses.get(inv.id, S.SKIPPED)
                self.state.step_run_ids[inv.id] = self.writer.start(
                    inv.id, inv.step, self._recorded_parameters(inv), status=status,
                    orchestrator=self.orchestrator,
                )  # fmt: skip
                self.progress.step_finished(inv.id, status, 0.0)
