"""The dashboard's ASGI application: read-only pages over one store.

Every route answers GET (and HEAD) only.  Pages are Jinja2 templates with autoescaping on,
so names, logs and previews written by user code always show as text.  An unknown run, step,
snapshot or artifact is a 404 page; a store error is a page with its diagnostic, never a
traceback.
"""

from __future__ import annotations

import logging
import math
from typing import Any
from uuid import UUID

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from flowplan.diagnostics import FlowplanError
from flowplan.enums import ExecutionStatus
from flowplan.messages import internal
from flowplan.store import browse
from flowplan.store.local import LocalStore
from flowplan.store.records import RunRecord
from flowplan.ui import formatting
from flowplan.ui.dag_svg import STATUS_COLOURS
from flowplan.ui.previews import artifact_path, download_name, pretty_json, read_head, redact
from flowplan.ui.run_view import duration, find_step, run_dag, step_panel

logger = logging.getLogger("flowplan.ui")
PAGE_SIZE = 50
LOG_STREAMS = ("stdout", "stderr", "error")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("flowplan.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters.update(
        when=formatting.when, seconds=formatting.seconds, size=formatting.size,
        counts=formatting.counts, json=pretty_json,
    )
    env.globals.update(colours=STATUS_COLOURS, duration=duration)
    return env


class Dashboard:
    """Route handlers over one open store."""

    def __init__(self, store: LocalStore, stack: dict[str, Any]) -> None:
        self.store = store
        self.stack = redact(stack)
        self.env = _environment()

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(stack=self.stack, **context)
        return HTMLResponse(html, status_code=status_code)

    def _run(self, request: Request) -> RunRecord:
        try:
            return self.store.metadata.get_run(request.path_params["run"])
        except FlowplanError:
            raise HTTPException(404, f"no pipeline run has the name or id "
                                     f"`{request.path_params['run']}`") from None

    # -- pages --------------------------------------------------------------------------
    def pipelines(self, request: Request) -> Response:
        self.store.metadata.reap_orphaned_runs()
        found = browse.pipelines(self.store.metadata.db)
        return self.page("pipelines.html", pipelines=found, title="Pipelines")

    def runs(self, request: Request) -> Response:
        self.store.metadata.reap_orphaned_runs()
        pipeline = request.query_params.get("pipeline") or None
        status_text = request.query_params.get("status") or None
        try:
            status = ExecutionStatus(status_text) if status_text else None
        except ValueError:
            raise HTTPException(400, f"`{status_text}` is not a run status; statuses: "
                                     + ", ".join(s.value for s in ExecutionStatus)) from None
        number = _page_number(request)
        found = browse.run_page(self.store.metadata.db, pipeline=pipeline, status=status,
                                limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        return self.page(
            "runs.html", title="Runs", page=found, number=number,
            pages=max(1, math.ceil(found.total / PAGE_SIZE)), pipeline=pipeline,
            status=status_text, pipelines=self.store.metadata.list_pipelines(),
            statuses=[s.value for s in ExecutionStatus],
        )

    def run(self, request: Request) -> Response:
        run = self._run(request)
        selected = request.query_params.get("step")
        expand = request.query_params.get("expand") == "all"
        dag = run_dag(self.store, run, expand=expand, selected=selected)
        panel = None
        if selected is not None:
            step = find_step(self.store, run, selected)
            if step is None and selected not in {n.id for n in dag.layout.nodes}:
                raise HTTPException(404, f"run {run.name} has no step `{selected}`")
            panel = step_panel(self.store, step) if step is not None else None
        return self.page(
            "run.html", title=run.name, run=run, dag=dag, panel=panel, selected=selected,
            expand=expand, parameters=redact(run.parameters), warnings=run.warnings,
            counts_text=formatting.counts(_counts(dag.steps)),
        )

    def run_live(self, request: Request) -> Response:
        """The run's status and a version that changes with any step's status (polled)."""
        run = self._run(request)
        dag = run_dag(self.store, run, expand=request.query_params.get("expand") == "all",
                      selected=request.query_params.get("step"))
        changed = request.query_params.get("since") != dag.version
        return JSONResponse({
            "status": run.status.value, "finished": run.status.is_finished,
            "version": dag.version, "ended": formatting.when(run.ended),
            "duration": formatting.seconds(duration(run.started, run.ended)),
            "counts": formatting.counts(_counts(dag.steps)),
            "svg": dag.svg if changed else None,
        }, headers={"Cache-Control": "no-store"})

    def step(self, request: Request) -> Response:
        """The step panel alone (the run page reloads it while the run goes on)."""
        run = self._run(request)
        wanted = request.query_params.get("step", "")
        step = find_step(self.store, run, wanted)
        if step is None:
            raise HTTPException(404, f"run {run.name} has no step `{wanted}` (yet)")
        return self.page("panel.html", run=run, panel=step_panel(self.store, step))

    def log(self, request: Request) -> Response:
        run = self._run(request)
        wanted = request.query_params.get("step", "")
        stream = request.query_params.get("stream", "stdout")
        step = find_step(self.store, run, wanted)
        if step is None or stream not in LOG_STREAMS:
            raise HTTPException(404, f"run {run.name} has no log `{stream}` of step `{wanted}`")
        text = getattr(step, stream) or ""
        filename = f"{run.name}.{step.invocation_id}.{stream}.txt"
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers=_attachment(filename))

    def artifact(self, request: Request) -> Response:
        try:
            record = self.store.metadata.get_artifact(UUID(request.path_params["artifact"]))
        except (ValueError, FlowplanError):
            raise HTTPException(404, "no artifact version has the id "
                                     f"`{request.path_params['artifact']}`") from None
        headers = _attachment(download_name(record))
        path = artifact_path(self.store, record)
        if path is not None and path.is_file():
            return FileResponse(path, media_type="application/octet-stream", headers=headers)
        data, _ = read_head(self.store, record, 2**62)
        return Response(data, media_type="application/octet-stream", headers=headers)

    def snapshots(self, request: Request) -> Response:
        found = self.store.metadata.list_snapshots()
        counts = browse.snapshot_run_counts(self.store.metadata.db)
        return self.page("snapshots.html", title="Snapshots", snapshots=found, counts=counts)

    def snapshot(self, request: Request) -> Response:
        try:
            found = self.store.metadata.get_snapshot(request.path_params["snapshot"])
        except FlowplanError:
            raise HTTPException(404, "no snapshot has the name or id "
                                     f"`{request.path_params['snapshot']}`") from None
        number = _page_number(request)
        runs = browse.run_page(self.store.metadata.db, snapshot_id=found.id,
                               limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        return self.page("snapshot.html", title=f"Snapshot {found.name}", snapshot=found,
                         page=runs, number=number,
                         pages=max(1, math.ceil(runs.total / PAGE_SIZE)))

    # -- errors -------------------------------------------------------------------------
    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.page("error.html", status_code=exc.status_code, title="Not found"
                         if exc.status_code == 404 else "Error", code=exc.status_code,
                         message=exc.detail)

    async def store_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FlowplanError)
        return self.page("error.html", status_code=500, title="Store error", code=500,
                         message=exc.render())

    async def internal_error(self, request: Request, exc: Exception) -> Response:
        """A bug of the dashboard: logged with its traceback, shown as an FP901 page."""
        logger.error("flow ui failed on %s", request.url.path, exc_info=exc)
        problem = internal.dashboard_failed(exc)
        return self.page("error.html", status_code=500, title="Internal error", code=500,
                         message=problem.format())


def _counts(steps: list[browse.StepSummary]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.status.value] = counts.get(step.status.value, 0) + 1
    return counts


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        raise HTTPException(400, "`page` must be a whole number") from None


def _attachment(filename: str) -> dict[str, str]:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def create_app(store: LocalStore, stack: dict[str, Any] | None = None) -> Starlette:
    """The dashboard over ``store``; ``stack`` describes the active stack (shown redacted)."""
    ui = Dashboard(store, stack or {})
    get = ["GET"]
    routes = [
        Route("/", ui.pipelines, methods=get),
        Route("/runs", ui.runs, methods=get),
        Route("/runs/{run}", ui.run, methods=get),
        Route("/runs/{run}/live", ui.run_live, methods=get),
        Route("/runs/{run}/panel", ui.step, methods=get),
        Route("/runs/{run}/log", ui.log, methods=get),
        Route("/artifacts/{artifact}/download", ui.artifact, methods=get),
        Route("/snapshots", ui.snapshots, methods=get),
        Route("/snapshots/{snapshot}", ui.snapshot, methods=get),
        Mount("/static", StaticFiles(packages=[("flowplan.ui", "static")]), name="static"),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: ui.http_error,
            FlowplanError: ui.store_error,
            Exception: ui.internal_error,
        },
    )
