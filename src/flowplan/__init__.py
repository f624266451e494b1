"""flowplan: machine-learning pipelines, compiled.

Public API re-exports only.  Heavy parts (the store, the client) load on first use, so
``import flowplan`` stays fast.
"""

from __future__ import annotations

import gc


class _CollectorPaused:
    """Python's cyclic collector off for a block, then back as it was.  Importing makes
    classes, functions and modules that live as long as the process: the collector, which
    would walk them again and again meanwhile, waits until the imports are done.

    Then what the block made joins the collector's oldest generation at once (``freeze``
    and ``unfreeze`` move every object there without walking any), as if it had survived a
    full collection: the young collections that follow walk only what the program makes
    next, not the thousands of objects just imported.  Nothing is exempted from collection
    (a later full collection walks them all, as ever).  Skipped where objects are frozen
    already: unfreezing would hand them back to the collector."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


with _CollectorPaused():
    from collections.abc import Mapping
    from typing import TYPE_CHECKING, Any

    from flowplan import dataclass_code  # noqa: F401  (first: the dataclasses below use its code)
    from flowplan.compiler.runtime import Runtime, register_runtime
    from flowplan.compiler.step import BaseStep, step
    from flowplan.config.artifact_config import ArtifactConfig
    from flowplan.config.retry_config import StepRetryConfig
    from flowplan.diagnostics import CompileError, Diagnostic, FlowplanError
    from flowplan.enums import ExecutionMode, ExecutionStatus
    from flowplan.lazy import import_uuid, lazy_exports
    from flowplan.pipelines import Pipeline, pipeline
    from flowplan.version import __version__


def _local_runtime() -> Runtime:
    """The executor's runtime, loaded when the first pipeline or step runs (with what a run
    imports, the collector paused as above)."""
    with _CollectorPaused():
        import_uuid()  # (before the run's modules import it)
        from flowplan import loader  # noqa: F401  (what a run imports: its compile,
        from flowplan.compiler import build, validate, verdict_cache  # noqa: F401
        from flowplan.executor import errors, run  # noqa: F401  (its driver,
        from flowplan.executor.local_runtime import LocalRuntime
        from flowplan.store import local, run_writer, runref, views  # noqa: F401  (its store)
    return LocalRuntime()


def _before_compile(settings: Mapping[str, Any]) -> None:
    """A pipeline asking for process isolation starts its fork server now, loading while
    this process loads the executor and compiles (see ``procpool.start_before_compile``)."""
    if any(
        (key == "orchestrator" or key.startswith("orchestrator."))
        and isinstance(value, Mapping) and value.get("isolation") == "process"
        for key, value in settings.items()
    ):
        from flowplan.executor.procpool import start_before_compile

        start_before_compile(settings)


register_runtime(_local_runtime, _before_compile)

if TYPE_CHECKING:
    from flowplan.client import Client
    from flowplan.executor.context import get_step_context
    from flowplan.executor.errors import RunFailedError
    from flowplan.executor.metadata_logging import add_tags, log_metadata

_LAZY = {
    "Client": "flowplan.client",
    "get_step_context": "flowplan.executor.context",
    "RunFailedError": "flowplan.executor.errors",
    "log_metadata": "flowplan.executor.metadata_logging",
    "add_tags": "flowplan.executor.metadata_logging",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ArtifactConfig",
    "BaseStep",
    "Client",
    "CompileError",
    "Diagnostic",
    "ExecutionMode",
    "ExecutionStatus",
    "FlowplanError",
    "Pipeline",
    "RunFailedError",
    "StepRetryConfig",
    "__version__",
    "add_tags",
    "get_step_context",
    "log_metadata",
    "pipeline",
    "step",
]
