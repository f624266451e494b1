"""What the run page shows: the DAG of a run and the panel of one of its steps."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowplan.store import browse, queries
from flowplan.store.local import LocalStore
from flowplan.store.records import ArtifactRecord, RunRecord, StepRunRecord
from flowplan.ui.dag_layout import COLLAPSE_AT, Edge, Layout, layout, plan_graph
from flowplan.ui.dag_svg import render_svg
from flowplan.ui.previews import Clipped, Preview, clip_log, preview_artifact, redact


@dataclass(frozen=True)
class RunDag:
    layout: Layout
    svg: str
    steps: list[browse.StepSummary]
    version: str  # changes whenever the run or one of its steps changes status


def run_dag(
    store: LocalStore, run: RunRecord, *, expand: bool = False, selected: str | None = None
) -> RunDag:
    """The run's DAG, laid out and drawn (fan-outs folded unless ``expand``)."""
    steps = browse.step_summaries(store.metadata.db, run.id)
    planned, edges = _plan_graph(run.plan)
    known = {node_id for node_id, _ in planned}
    # steps recorded but not planned (a run recorded without a plan) are drawn after the plan
    nodes = [*planned, *((s.invocation_id, s.step_name) for s in steps if s.invocation_id
                         not in known)]
    statuses = {s.invocation_id: s.status.value for s in steps}
    if run.status.is_finished:  # a step of a finished run that has no record never ran
        statuses = {node_id: statuses.get(node_id, "skipped") for node_id, _ in nodes}
    laid = layout(nodes, edges, statuses, collapse_at=None if expand else COLLAPSE_AT)
    return RunDag(laid, render_svg(laid, selected), steps, live_version(run, steps))


@functools.lru_cache(maxsize=16)
def _plan_graph(plan_json: str | None) -> tuple[list[tuple[str, str]], list[Edge]]:
    """A plan's nodes and edges, parsed once per plan text (a plan of 1,000 steps is about
    1 MB of JSON; the page of a running run is polled every second).  Callers do not
    mutate the lists."""
    return plan_graph(plan_json)


def live_version(run: RunRecord, steps: list[browse.StepSummary]) -> str:
    text = run.status.value + "|" + ",".join(f"{s.invocation_id}={s.status.value}" for s in steps)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def duration(started: datetime | None, ended: datetime | None) -> float | None:
    if started is None or ended is None:
        return None
    return (ended - started).total_seconds()


@dataclass(frozen=True)
class OutputView:
    name: str
    artifact: ArtifactRecord
    preview: Preview


@dataclass(frozen=True)
class StepPanel:
    step: StepRunRecord
    duration: float | None
    parameters: Any
    cache_sources: list[browse.CacheSource]
    logs: dict[str, Clipped]  # stdout, stderr, error
    outputs: list[OutputView]
    inputs: list[tuple[str, ArtifactRecord]]


def find_step(store: LocalStore, run: RunRecord, invocation_id: str) -> StepRunRecord | None:
    found = browse.step_run_id(store.metadata.db, run.id, invocation_id)
    if found is None:
        return None
    records = store.metadata.db.read(lambda c: queries.step_runs(c, "id", str(found)))
    return records[0] if records else None


def step_panel(store: LocalStore, step: StepRunRecord) -> StepPanel:
    sources = browse.cache_sources(store.metadata.db, step.id)
    outputs = [
        OutputView(name, record, preview_artifact(store, record))
        for name, records in step.outputs.items()
        for record in records
    ]
    inputs = [(name, record) for name, records in step.inputs.items() for record in records]
    return StepPanel(
        step=step,
        duration=duration(step.started, step.ended),
        parameters=redact(step.parameters),
        cache_sources=sources,
        logs={
            "stdout": clip_log(step.stdout),
            "stderr": clip_log(step.stderr),
            "error": clip_log(step.error),
        },
        outputs=outputs,
        inputs=inputs,
    )
