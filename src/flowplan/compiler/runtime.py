"""The one seam from the compiler to the executor: what runs a compiled plan.

Calling a pipeline or a step outside a pipeline runs it (the reference documents require
it), and creating a snapshot stores a compiled plan, so the compiler's objects need something
that runs and stores -- which lives in a layer above them.  They reach it only through the
:class:`Runtime` interface here; the executor provides it
(:class:`flowplan.executor.local_runtime.LocalRuntime`) and the public API
(``flowplan/__init__.py``, imported before any submodule) registers it, loaded on first use so
that ``import flowplan`` stays light.  The compiler therefore imports nothing above itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flowplan.diagnostics import FlowplanError
from flowplan.messages import internal


class Runtime(Protocol):
    """What the executor does for the compiler's objects.  (Typed ``Any`` where it takes them,
    so that this module imports none of them: they all import it.)"""

    def run_pipeline(self, compiled: Any) -> Any:
        """Run a ``CompiledPipeline``; return its run (``PipelineRun``)."""

    def run_step(self, step: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one ``BaseStep`` outside any pipeline (DESIGN decision 10); return its value(s)."""

    def create_snapshot(
        self, pipe: Any, name: str, description: str | None,
        parameters: Mapping[str, Any] | None,
    ) -> Any:
        """Compile the ``Pipeline`` ``pipe``, store its plan as a snapshot; return it."""


_factory: Callable[[], Runtime] | None = None
_runtime: Runtime | None = None
_before_compile: Callable[[Mapping[str, Any]], None] | None = None


def register_runtime(
    factory: Callable[[], Runtime],
    before_compile: Callable[[Mapping[str, Any]], None] | None = None,
) -> None:
    """Make ``factory()`` (called once, on first use) the runtime of every call and snapshot;
    ``before_compile(settings)`` is told of a pipeline call's settings before its runtime
    loads and its compile begins (to start, meanwhile, what the run will need)."""
    global _factory, _runtime, _before_compile
    _factory, _runtime, _before_compile = factory, None, before_compile


def before_compile(settings: Mapping[str, Any]) -> None:
    """A pipeline is about to be compiled and run with these (its own) settings."""
    if _before_compile is not None:
        _before_compile(settings)


def current_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        if _factory is None:
            raise FlowplanError(internal.no_runtime())
        _runtime = _factory()
    return _runtime
