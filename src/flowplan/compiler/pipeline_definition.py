"""A pipeline's definition: its function and the options of ``@pipeline``, ``configure`` and
``with_options`` -- what the compiler reads of a pipeline -- and the compiled result."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from flowplan.compiler import options as opts
from flowplan.compiler.generics import P, R
from flowplan.compiler.hook_signatures import Hook, check_hook
from flowplan.config.retry_config import StepRetryConfig
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.enums import ExecutionMode
from flowplan.messages import definitions, settings
from flowplan.plain_functions import is_function

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from flowplan.compiler.options import PipelineOptions
    from flowplan.compiler.plan import Plan
    from flowplan.compiler.runconfig import RunConfiguration
    from flowplan.compiler.step import BaseStep


@dataclass
class CompiledPipeline:
    """A validated plan plus the live objects needed to run it in this process."""

    plan: Plan
    steps: dict[str, BaseStep]
    pipeline: PipelineDefinition
    warnings: list[Diagnostic] = field(default_factory=list)
    plan_json: str | None = None  # the plan's one serialisation, when compiling made it
    plan_hash: str | None = None  # its hash (the plan's fingerprint)


def execution_mode(value: object, where: tuple[str | None, int | None]) -> ExecutionMode:
    if isinstance(value, ExecutionMode):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        for name, mode in ExecutionMode.__members__.items():  # aliases too (CONTINUE_ON_ERROR)
            if key in (mode.value, name.lower()):
                return mode
    raise CompileError(
        settings.execution_mode_not_enum(value, where[0], where[1])
    )


class PipelineDefinition(Generic[P, R]):
    """A pipeline's function and configuration: what the compiler reads of a pipeline.

    :class:`flowplan.compiler.pipeline.Pipeline` adds compiling and running.
    """

    def __init__(self, func: Callable[P, R], **options: Unpack[PipelineOptions]) -> None:
        if not is_function(func):
            from flowplan.callsite import caller_location

            path, line = caller_location()
            raise CompileError(
                definitions.decorated_non_function("pipeline", type(func).__name__, path, line)
            )
        self.entrypoint: Callable[P, R] = func
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
        self.tags: list[str] = []
        self.parameters: dict[str, Any] = {}  # default call parameters (``parameters=``)
        self.run_config: RunConfiguration | None = None  # loaded from ``config_path``
        # the last run's trace (compiler.frontends.replay.TraceRecord), followed by the next
        self.trace_record: object | None = None
        functools.update_wrapper(self, func)  # type: ignore[arg-type]  # a Pipeline is callable
        self._apply(options)

    @property
    def location(self) -> tuple[str | None, int | None]:
        code = self.entrypoint.__code__
        return code.co_filename, code.co_firstlineno

    def _apply(self, options: Mapping[str, Any], merge: bool = True) -> None:
        """Apply options given in code; a ``config_path`` file given with them is read now,
        its values applied first, so that the options given in code win."""
        if options.get("config_path"):
            from flowplan.compiler.runconfig import load_run_config, pipeline_options

            config = load_run_config(str(options["config_path"]))
            from_file = {k: v for k, v in pipeline_options(config).items() if k not in options}
            if "settings" in from_file:  # the file's orchestrator keys join the pipeline's
                current = dict(self.settings.get("orchestrator") or {})
                ours = from_file["settings"]["orchestrator"]
                from_file["settings"] = {"orchestrator": {**current, **ours}}
            if from_file:
                self._apply_code(from_file, merge=True)
            self.run_config = config
        self._apply_code(options, merge)

    def _apply_code(self, options: Mapping[str, Any], merge: bool) -> None:
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
        for key in ("settings", "substitutions", "extra", "parameters"):
            value = options.get(key)
            if value is not None and not isinstance(value, Mapping):
                problems.append(
                    definitions.option_not_mapping(key, owner, where[0], where[1])
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
        if options.get("tags"):
            tags = options["tags"]
            tags = [tags] if isinstance(tags, str) else [str(t) for t in tags]
            self.tags = [*self.tags, *(t for t in tags if t not in self.tags)]
        for key in ("settings", "substitutions", "extra", "parameters"):
            if key in options and options[key] is not None:
                base = getattr(self, key) if merge else {}
                setattr(self, key, {**base, **options[key]})
        if "config_path" in options and not options["config_path"]:
            self.run_config = None

    def configure(self, merge: bool = True, **options: Unpack[PipelineOptions]) -> Self:
        """Change this pipeline's configuration in place; returns the pipeline.  With
        ``merge=False``, mappings given (settings, extra, parameters, …) replace the current
        ones instead of being merged into them."""
        self._apply(options, merge)
        return self

    def with_options(self, merge: bool = True, **options: Unpack[PipelineOptions]) -> Self:
        """A copy of this pipeline with changed configuration; the original is unchanged."""
        clone = copy.copy(self)
        for key in ("settings", "substitutions", "extra", "parameters"):
            setattr(clone, key, dict(getattr(self, key)))
        clone.tags = list(self.tags)
        clone._apply(options, merge)
        return clone
