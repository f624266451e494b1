"""``@step``: a function turned into a step object that pipelines wire together."""

from __future__ import annotations

import copy
import functools
import json
import math
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, cast, overload

from flowplan.compiler import options as opts
from flowplan.compiler.generics import FuncP, FuncR, P, R
from flowplan.compiler.hook_signatures import Hook, check_hook
from flowplan.compiler.runtime import current_runtime
from flowplan.compiler.tracing_state import current_tracer
from flowplan.config.retry_config import StepRetryConfig
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.env import env_flag
from flowplan.messages import definitions
from flowplan.plain_functions import is_function, is_generator_or_coroutine, parameters

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from flowplan.analyzer.signature import StepSignature
    from flowplan.compiler.options import StepOptions


def _location(func: Callable[..., Any]) -> tuple[str | None, int | None]:
    code = getattr(func, "__code__", None)
    if code is None:
        return None, None
    return code.co_filename, code.co_firstlineno


def _definition_problems(func: object) -> list[Diagnostic]:
    """FP109: why ``func`` cannot be a step, found when ``@step`` is applied (FP110:
    :func:`_check_parameters`)."""
    if not is_function(func):
        from flowplan.callsite import caller_location

        path, line = caller_location()
        return [
            definitions.decorated_non_function("step", type(func).__name__, path, line)
        ]
    path, line = _location(func)
    name = func.__name__
    if is_generator_or_coroutine(func):
        return [
            definitions.step_not_plain_function(name, path, line)
        ]
    return []


class BaseStep(Generic[P, R]):
    """A step: the user's function plus its configuration.  Calling it inside a pipeline
    records an invocation; calling it anywhere else runs it as a one-step run.

    Generic over the function's parameters and return type, so type checkers see a step
    call as a call of the function (``flowplan.mypy`` adds what only a plugin can say)."""

    def __init__(self, func: Callable[P, R], **options: Unpack[StepOptions]) -> None:
        problems = _definition_problems(func)
        if problems:
            raise CompileError(problems)
        _check_parameters(func)
        self.entrypoint: Callable[P, R] = func
        self.name: str = func.__name__
        self.enable_cache: bool | None = None
        self.retry: StepRetryConfig | None = None
        self.on_success: Hook | None = None
        self.on_failure: Hook | None = None
        self.settings: dict[str, Any] = {}
        self.output_materializers: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}  # values for inputs the call leaves out
        self.timeout: float | None = None  # seconds the step may run
        self._signature: StepSignature | None = None
        self._type_hints: dict[str, Any] | None = None
        self.template_cache: object | None = None  # compiler.invocation.StepTemplate
        functools.update_wrapper(self, func)
        self._apply(options)

    # -- configuration -------------------------------------------------------------------
    @property
    def location(self) -> tuple[str | None, int | None]:
        return _location(self.entrypoint)

    def _apply(self, options: Mapping[str, Any], merge: bool = True) -> None:
        self.template_cache = None
        where = self.location
        owner = f"step `{self.name}`"
        problems = opts.check_option_names(options, opts.STEP_OPTIONS, owner, where)
        if "enable_cache" in options:
            problems += opts.check_enable_cache(options["enable_cache"], owner, where)
        for kind in ("on_success", "on_failure"):
            if options.get(kind) is not None:
                hook, hook_problems = check_hook(options[kind], kind, owner, where)
                problems += hook_problems
                if hook is not None:
                    setattr(self, kind, hook)
        for key in ("settings", "extra", "parameters"):
            problems += _check_mapping(options, key, owner, where)
        if problems:
            raise CompileError(problems)
        if "timeout" in options:
            self.timeout = _timeout(options["timeout"], owner, where)
        if "retry" in options:
            self.retry = opts.coerce_retry(options["retry"], owner, where)
        if "enable_cache" in options:
            self.enable_cache = options["enable_cache"]
        if options.get("name"):
            self.name = str(options["name"])
        for key in ("settings", "extra", "parameters"):
            if key in options and options[key] is not None:
                base = getattr(self, key) if merge else {}
                setattr(self, key, {**base, **options[key]})
        if "output_materializers" in options:
            given = _normalise_materializers(options["output_materializers"], self, where)
            base = self.output_materializers if merge else {}
            self.output_materializers = {**base, **given}

    def configure(self, merge: bool = True, **options: Unpack[StepOptions]) -> Self:
        """Change this step's configuration in place; returns the step.  With
        ``merge=False``, mappings given (settings, extra, parameters, output materializers)
        replace the current ones instead of being merged into them."""
        self._apply(options, merge)
        return self

    def with_options(self, merge: bool = True, **options: Unpack[StepOptions]) -> Self:
        """A copy of this step with changed configuration; the original is unchanged."""
        clone = copy.copy(self)
        clone.settings = dict(self.settings)
        clone.extra = dict(self.extra)
        clone.parameters = dict(self.parameters)
        clone.output_materializers = dict(self.output_materializers)
        clone._apply(options, merge)
        return clone

    # -- analysis ------------------------------------------------------------------------
    @property
    def signature(self) -> StepSignature:
        """What the analyzer read from this step's source (memoised; disk-cached)."""
        if self._signature is None:
            from flowplan.analyzer.analyze import analyze_function

            self._signature = analyze_function(self.entrypoint)
        return self._signature

    @property
    def type_hints(self) -> dict[str, Any]:
        """Resolved annotations of the step function (``Annotated`` kept), memoised."""
        if self._type_hints is None:
            from flowplan.compiler.typeforms import type_hints

            self._type_hints = type_hints(self.entrypoint)
        return dict(self._type_hints)

    def closure_key(self) -> tuple[str | None, Diagnostic | None]:
        """Values of the closure's free variables as canonical JSON (DESIGN decision 7).

        Returns (json, None), or (None, FP113 warning) when a value is not JSON."""
        func = self.entrypoint
        if not func.__closure__:
            return "", None
        values: dict[str, Any] = {}
        for name, cell in zip(func.__code__.co_freevars, func.__closure__, strict=True):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, (BaseStep, types.FunctionType, types.ModuleType)):
                values[name] = f"<{type(value).__name__} {getattr(value, '__qualname__', name)}>"
                continue
            try:
                values[name] = json.loads(json.dumps(value, sort_keys=True))
            except (TypeError, ValueError):
                path, line = self.location
                return None, definitions.closure_not_json(
                    self.name, name, type(value).__name__, path, line)
        return json.dumps(values, sort_keys=True), None

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        tracer = current_tracer()
        if tracer is not None:  # recorded: the artifacts returned stand for the values
            recorded: R = tracer.call_step(self, args, kwargs)
            return recorded
        from flowplan.loader import loading, skipped_call

        if loading():
            skipped_call(f"step `{self.name}`")
            return cast("R", None)
        if env_flag("RUN_SINGLE_STEPS_WITHOUT_STACK"):
            return self.entrypoint(*args, **kwargs)
        return cast("R", current_runtime().run_step(self, args, kwargs))

    def __repr__(self) -> str:
        return f"<step {self.name}>"


RESERVED_INPUTS = ("id", "after")


def _check_parameters(func: Callable[..., Any]) -> None:
    """FP110: steps take named inputs only, and none named like a call keyword."""
    path, line = _location(func)
    problems = []
    for param in parameters(func):
        if param.kind in ("var_positional", "var_keyword"):
            star = "*" if param.kind == "var_positional" else "**"
            problems.append(
                definitions.star_input(func.__name__, star, param.name, path, line)
            )
        elif param.name in RESERVED_INPUTS:
            problems.append(
                definitions.reserved_input(func.__name__, param.name, path, line)
            )
    if problems:
        raise CompileError(problems)


def _check_mapping(
    options: Mapping[str, Any], key: str, owner: str, where: tuple[str | None, int | None]
) -> list[Diagnostic]:
    value = options.get(key)
    if value is None or isinstance(value, Mapping):
        return []
    return [
        definitions.option_not_mapping(key, owner, where[0], where[1], value)
    ]


def _timeout(value: object, owner: str, where: tuple[str | None, int | None]) -> float | None:
    """``timeout=``: seconds, a positive finite number, or None for no limit (FP132)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf:
        return float(value)
    raise CompileError(definitions.invalid_timeout(owner, value, where[0], where[1]))


def _normalise_materializers(
    value: object, step: BaseStep, where: tuple[str | None, int | None]
) -> dict[str, Any]:
    """``{output_name: class or import path}``, or one class for every output (key ``*``);
    a list or tuple gives one materializer per output, in order (FP131 when the count is
    not the step's number of outputs)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)):
        names = [out.name for out in step.signature.outputs]
        if len(value) != len(names):
            raise CompileError(definitions.materializer_count(
                step.name, len(value), len(names), where[0], where[1]))
        return dict(zip(names, value, strict=True))
    return {"*": value}


@overload
def step(func: Callable[FuncP, FuncR]) -> BaseStep[FuncP, FuncR]: ...


@overload
def step(
    func: None = None, **options: Unpack[StepOptions]
) -> Callable[[Callable[FuncP, FuncR]], BaseStep[FuncP, FuncR]]: ...


def step(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Turn a function into a step: ``@step`` or ``@step(enable_cache=False, ...)``."""
    if func is not None:
        return BaseStep(func, **options)

    def decorate(f: Callable[..., Any]) -> BaseStep:
        return BaseStep(f, **options)

    return decorate
