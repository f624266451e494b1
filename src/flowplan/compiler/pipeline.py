"""``@pipeline``: a function whose body wires steps together, compiled into a Plan."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flowplan.callsite import caller_location
from flowplan.codes import make
from flowplan.compiler import options as opts
from flowplan.compiler.hook_signatures import Hook, check_hook
from flowplan.config.retry_config import StepRetryConfig
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.enums import ExecutionMode

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan
    from flowplan.compiler.step import BaseStep

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CompiledPipeline:
    """A validated plan plus the live objects needed to run it in this process."""

    plan: Plan
    steps: dict[str, BaseStep]
    pipeline: Pipeline
    warnings: list[Diagnostic] = field(default_factory=list)


def execution_mode(value: object, where: tuple[str | None, int | None]) -> ExecutionMode:
    if isinstance(value, ExecutionMode):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        for name, mode in ExecutionMode.__members__.items():  # aliases too (CONTINUE_ON_ERROR)
            if key in (mode.value, name.lower()):
                return mode
    raise CompileError(
        make(
            "FP305",
            f"execution_mode must be an ExecutionMode, not {value!r}",
            path=where[0],
            line=where[1],
            fix="use ExecutionMode.CONTINUE_ON_FAILURE, STOP_ON_FAILURE or FAIL_FAST",
        )
    )


class Pipeline:
    """A pipeline: calling it compiles and runs it; ``compile()`` only compiles."""

    def __init__(self, func: Callable[..., Any], **options: Any) -> None:
        if not inspect.isfunction(func):
            path, line = caller_location()
            raise CompileError(
                make(
                    "FP109",
                    f"@pipeline applies to functions, not {type(func).__name__}",
                    path=path,
                    line=line,
                    fix="decorate a plain `def` function with @pipeline",
                )
            )
        self.entrypoint = func
        self.name: str = func.__name__
        self.enable_cache: bool | None = None
        self.retry: StepRetryConfig | None = None
        self.execution_mode: ExecutionMode = ExecutionMode.CONTINUE_ON_FAILURE
        self.on_success: Hook | None = None
        self.on_failure: Hook | None = None
        self.settings: dict[str, Any] = {}
        self.substitutions: dict[str, str] = {}
        self.run_name: str | None = None
        self.config_path: str | None = None
        self.extra: dict[str, Any] = {}
        functools.update_wrapper(self, func)
        self._apply(options)

    @property
    def location(self) -> tuple[str | None, int | None]:
        code = self.entrypoint.__code__
        return code.co_filename, code.co_firstlineno

    def _apply(self, options: Mapping[str, Any]) -> None:
        where = self.location
        owner = f"pipeline `{self.name}`"
        problems = opts.check_option_names(options, opts.PIPELINE_OPTIONS, owner, where)
        if "enable_cache" in options:
            problems += opts.check_enable_cache(options["enable_cache"], owner, where)
        hooks: dict[str, Hook] = {}
        for kind in ("on_success", "on_failure"):
            if options.get(kind) is not None:
                hook, hook_problems = check_hook(options[kind], kind, owner, where)
                problems += hook_problems
                if hook is not None:
                    hooks[kind] = hook
        for key in ("settings", "substitutions"):
            value = options.get(key)
            if value is not None and not isinstance(value, Mapping):
                problems.append(
                    make(
                        "FP114",
                        f"{key} of {owner} must be a mapping",
                        path=where[0],
                        line=where[1],
                        fix=f"pass {key}={{...}}",
                    )
                )
        if problems:
            raise CompileError(problems)
        for kind, hook in hooks.items():
            setattr(self, kind, hook)
        if "retry" in options:
            self.retry = opts.coerce_retry(options["retry"], owner, where)
        if options.get("execution_mode") is not None:
            self.execution_mode = execution_mode(options["execution_mode"], where)
        for key in ("enable_cache", "run_name", "config_path"):
            if key in options:
                setattr(self, key, options[key])
        if options.get("name"):
            self.name = str(options["name"])
        for key in ("settings", "substitutions", "extra"):
            if options.get(key):
                setattr(self, key, {**getattr(self, key), **options[key]})

    def configure(self, **options: Any) -> Pipeline:
        """Change this pipeline's configuration in place; returns the pipeline."""
        self._apply(options)
        return self

    def with_options(self, **options: Any) -> Pipeline:
        """A copy of this pipeline with changed configuration; the original is unchanged."""
        clone = copy.copy(self)
        for key in ("settings", "substitutions", "extra"):
            setattr(clone, key, dict(getattr(self, key)))
        clone._apply(options)
        return clone

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
        from flowplan.snapshots import create_snapshot

        return create_snapshot(self, name, description, parameters)

    def __call__(self, *args: Any, **params: Any) -> Any:
        from flowplan.compiler.frontends.trace import current_tracer

        tracer = current_tracer()
        if tracer is not None:
            from flowplan.compiler.build import inline_pipeline

            return inline_pipeline(self, tracer, args, params)
        compiled = self.compiled(*args, **params)
        from flowplan.executor.run import run_compiled

        return run_compiled(compiled)

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
