"""``@pipeline``: a function whose body wires steps together, compiled into a Plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flowplan.compiler.pipeline_definition import (
    CompiledPipeline,
    PipelineDefinition,
    execution_mode,
)
from flowplan.compiler.runtime import current_runtime
from flowplan.compiler.tracing_state import current_tracer

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan

__all__ = ["CompiledPipeline", "Pipeline", "execution_mode", "pipeline"]

F = TypeVar("F", bound=Callable[..., Any])


class Pipeline(PipelineDefinition):
    """A pipeline: calling it compiles and runs it; ``compile()`` only compiles."""

    # -- compiling and running -------------------------------------------------------------
    def compile(self, *args: Any, **params: Any) -> Plan:
        """Compile to a validated ``Plan`` without running anything."""
        return self.compiled(*args, **params).plan

    def compiled(self, *args: Any, **params: Any) -> CompiledPipeline:
        from flowplan.compiler.build import compile_pipeline

        return compile_pipeline(self, args, params)

    def compiled_with(
        self, run_configuration: Mapping[str, Any], *args: Any, **params: Any
    ) -> CompiledPipeline:
        """Compile with a run configuration given as a mapping (the YAML keys)."""
        from flowplan.compiler.build import compile_pipeline
        from flowplan.compiler.runconfig import parse_run_config

        return compile_pipeline(self, args, params, parse_run_config(run_configuration))

    def create_snapshot(
        self, name: str, description: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Any:
        """Store this pipeline's compiled plan (with ``parameters``) to trigger it later."""
        return current_runtime().create_snapshot(self, name, description, parameters)

    def __call__(self, *args: Any, **params: Any) -> Any:
        tracer = current_tracer()
        if tracer is not None:
            from flowplan.compiler.build import inline_pipeline

            return inline_pipeline(self, tracer, args, params)
        return current_runtime().run_pipeline(self.compiled(*args, **params))

    def __repr__(self) -> str:
        return f"<pipeline {self.name}>"


@overload
def pipeline(func: F) -> Pipeline: ...


@overload
def pipeline(func: None = None, **options: Any) -> Callable[[F], Pipeline]: ...


def pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Turn a function into a pipeline: ``@pipeline`` or ``@pipeline(enable_cache=False, ...)``."""
    if func is not None:
        return Pipeline(func, **options)

    def decorate(f: Callable[..., Any]) -> Pipeline:
        return Pipeline(f, **options)

    return decorate
