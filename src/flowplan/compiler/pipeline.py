"""``@pipeline``: a function whose body wires steps together, compiled into a Plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, overload

from flowplan.compiler.generics import FuncP, FuncR, P, R
from flowplan.compiler.pipeline_definition import (
    CompiledPipeline,
    PipelineDefinition,
    execution_mode,
)
from flowplan.compiler.runtime import before_compile, current_runtime
from flowplan.compiler.tracing_state import current_tracer

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from flowplan.compiler.options import PipelineOptions
    from flowplan.compiler.plan import Plan

__all__ = ["CompiledPipeline", "Pipeline", "execution_mode", "pipeline"]

class Pipeline(PipelineDefinition[P, R]):
    """A pipeline: calling it compiles and runs it; ``compile()`` only compiles.

    Generic over the function's parameters and return type, so type checkers check a call's
    arguments.  What a call returns is typed where the run's type is known, above the
    compiler: :class:`flowplan.pipelines.Pipeline` (the public class) returns the run, and
    ``flowplan.mypy`` types a call inside another pipeline as the function's own return."""

    # -- compiling and running -------------------------------------------------------------
    def compile(self, *args: P.args, **params: P.kwargs) -> Plan:
        """Compile to a validated ``Plan`` without running anything."""
        return self.compiled(*args, **params).plan

    def compiled(self, *args: P.args, **params: P.kwargs) -> CompiledPipeline:
        from flowplan.compiler.build import compile_pipeline

        return compile_pipeline(self, args, params)

    def compiled_with(
        self, run_configuration: Mapping[str, Any], *args: P.args, **params: P.kwargs
    ) -> CompiledPipeline:
        """Compile with a run configuration given as a mapping (the YAML keys)."""
        from flowplan.compiler.build import compile_pipeline
        from flowplan.compiler.runconfig import parse_run_config

        return compile_pipeline(self, args, params, parse_run_config(run_configuration))

    def create_snapshot(
        self, name: str, description: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Any:
        """Store this pipeline's compiled plan (with ``parameters``) to trigger it later (not
        while its file is loaded by the CLI: then None)."""
        from flowplan.loader import loading, skipped_call

        if loading():
            skipped_call(f"the snapshot of pipeline `{self.name}`")
            return None
        return current_runtime().create_snapshot(self, name, description, parameters)

    def __call__(self, *args: P.args, **params: P.kwargs) -> Any:
        tracer = current_tracer()
        if tracer is not None:
            from flowplan.compiler.build import inline_pipeline

            return inline_pipeline(self, tracer, args, params)
        from flowplan.loader import loading, skipped_call

        if loading():
            skipped_call(f"pipeline `{self.name}`")
            return None
        before_compile(self.settings)
        from flowplan.compiler.build import compile_pipeline

        return current_runtime().run_pipeline(compile_pipeline(self, args, params, for_run=True))

    def __repr__(self) -> str:
        return f"<pipeline {self.name}>"


@overload
def pipeline(func: Callable[FuncP, FuncR]) -> Pipeline[FuncP, FuncR]: ...


@overload
def pipeline(
    func: None = None, **options: Unpack[PipelineOptions]
) -> Callable[[Callable[FuncP, FuncR]], Pipeline[FuncP, FuncR]]: ...


def pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Turn a function into a pipeline: ``@pipeline`` or ``@pipeline(enable_cache=False, ...)``."""
    if func is not None:
        return Pipeline(func, **options)

    def decorate(f: Callable[..., Any]) -> Pipeline:
        return Pipeline(f, **options)

    return decorate
