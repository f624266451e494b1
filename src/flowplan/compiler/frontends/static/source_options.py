"""Options of ``@step``/``@pipeline``, ``configure`` and ``with_options``, read from source.

Each batch of options is checked as ``BaseStep._apply``/``Pipeline._apply`` check it, with the
same functions where they are public (:mod:`flowplan.compiler.options`), so FP108, FP111,
FP114 and FP305 read the same from ``flow check`` as from an import.  An option whose value
is unknown is neither checked nor applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowplan.compiler import options as opts
from flowplan.compiler.frontends.static.source_hooks import check_static_hook
from flowplan.compiler.frontends.static.values import FunctionRef, RetryValue, Unknown, is_known
from flowplan.compiler.hook_signatures import HookKind
from flowplan.compiler.plan import HookRef, RetryDef
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.messages import definitions

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.definitions import Definition

Where = tuple[str | None, int | None]


@dataclass
class Options:
    """The configuration of a step or pipeline after its batches of options."""

    name: str
    enable_cache: bool | None = None
    retry: RetryDef | None = None
    hooks: dict[str, HookRef] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    materializers: dict[str, str | None] = field(default_factory=dict)
    execution_mode: str = "continue_on_failure"
    run_name: str | None = None
    config_path: str | None = None
    substitutions: dict[str, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def configure(defn: Definition, batches: Sequence[Mapping[str, Any]]) -> Options:
    """Apply the decorator's options, then each later batch, as the live objects do."""
    result = Options(defn.name)
    decorated = defn.decorator_options
    if decorated:
        _apply(defn, result, decorated)
    for batch in batches:
        _apply(defn, result, batch)
    return result


def _apply(defn: Definition, result: Options, options: Mapping[str, Any]) -> None:
    if not options:
        return  # a bare ``@step``: nothing to check or apply
    is_step = defn.kind == "step"
    where: Where = defn.location
    owner = f"{defn.kind} `{result.name}`"
    allowed = opts.option_names(defn.kind, defn.spelling)
    problems = opts.check_option_names(options, allowed, owner, where)
    if "enable_cache" in options and not isinstance(options["enable_cache"], Unknown):
        problems += opts.check_enable_cache(options["enable_cache"], owner, where)
    hooks: dict[str, HookRef] = {}
    kind: HookKind
    for kind in ("on_success", "on_failure"):
        if options.get(kind) is not None:
            hook, bad = check_static_hook(options[kind], kind, owner, where, defn.facts)
            problems += bad
            if hook is not None:
                hooks[kind] = hook
    problems += _mapping_problems(options, is_step, owner, where)
    if problems:
        result.problems += problems
        return
    result.hooks.update(hooks)
    _apply_values(defn, result, options, owner, where)


def _mapping_problems(
    options: Mapping[str, Any], is_step: bool, owner: str, where: Where
) -> list[Diagnostic]:
    problems = []
    for key in ("settings",) if is_step else ("settings", "substitutions"):
        value = options.get(key)
        if value is None or isinstance(value, (Mapping, Unknown)):
            continue
        shown = value if is_step else None  # a step's message names the type
        problems.append(definitions.option_not_mapping(key, owner, where[0], where[1], shown))
    return problems


def _apply_values(
    defn: Definition, result: Options, options: Mapping[str, Any], owner: str, where: Where
) -> None:
    known = {k: v for k, v in options.items() if is_known(v) or isinstance(v, RetryValue)}
    if "retry" in known:
        result.retry, bad = _retry(known["retry"], owner, where)
        result.problems += bad
    if known.get("execution_mode") is not None and defn.kind == "pipeline":
        from flowplan.compiler.pipeline import execution_mode

        try:
            result.execution_mode = execution_mode(known["execution_mode"], where).value
        except CompileError as exc:
            result.problems += exc.diagnostics
    for key in ("enable_cache", "run_name", "config_path"):
        if key in known:
            setattr(result, key, known[key])
    if known.get("name"):
        result.name = str(known["name"])
    if isinstance(known.get("settings"), Mapping) and defn.spelling == "zenml":
        known["settings"] = flowplan_settings(known["settings"])
    for key in ("settings", "substitutions", "extra"):
        if isinstance(known.get(key), Mapping) and known[key]:
            setattr(result, key, {**getattr(result, key), **known[key]})
    if "output_materializers" in options:
        result.materializers = _materializers(options["output_materializers"], defn)


def flowplan_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ZenML-spelled settings that flowplan runs: plain ``orchestrator`` settings
    with flowplan's keys.  ``docker``, ``resources`` and component settings
    (``orchestrator.<flavor>``, ``step_operator.<flavor>``, …) configure ZenML stacks; they
    are valid there, and not flowplan's to check."""
    from flowplan.compiler.settings import ORCHESTRATOR_KEYS

    value = settings.get("orchestrator")
    if isinstance(value, Mapping) and set(value) <= ORCHESTRATOR_KEYS:
        return {"orchestrator": dict(value)}
    return {}


def _retry(value: object, owner: str, where: Where) -> tuple[RetryDef | None, list[Diagnostic]]:
    if isinstance(value, RetryValue):
        return RetryDef(max_retries=value.max_retries, delay=value.delay,
                        backoff=value.backoff), []
    try:
        retry = opts.coerce_retry(value, owner, where)
    except CompileError as exc:
        return None, exc.diagnostics
    if retry is None:
        return None, []
    return RetryDef(max_retries=retry.max_retries, delay=retry.delay, backoff=retry.backoff), []


def _materializers(value: object, defn: Definition) -> dict[str, str | None]:
    """``{output: import path}`` (``*`` for every output), as ``output_materializers=``."""
    if value is None or isinstance(value, Unknown):
        return {}
    items = value.items() if isinstance(value, Mapping) else [("*", value)]
    return {str(name): _materializer_path(cls, defn) for name, cls in items}


def _materializer_path(value: object, defn: Definition) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, FunctionRef):
        return f"{value.module.source.module}:{value.qualname}"
    if isinstance(value, Unknown):
        return None
    from flowplan.compiler.invocation import materializer_path

    return materializer_path(value)
