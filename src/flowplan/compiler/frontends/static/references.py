"""Attributes and calls of the things a name can stand for: modules, steps, pipelines, and
flowplan's own API (``ExecutionMode.FAIL_FAST``, ``StepRetryConfig(...)``).

flowplan's own modules are safe to import -- they are this library -- so a name that resolves
into ``flowplan`` is the real object.  User modules are never imported: their names resolve
through :class:`~flowplan.compiler.frontends.static.facts.ModuleFacts`.
"""

from __future__ import annotations

import ast
import enum
import importlib
from typing import TYPE_CHECKING, Any

from flowplan.compiler.frontends.static import operations as ops
from flowplan.compiler.frontends.static.values import (
    FunctionRef,
    MethodRef,
    ModuleRef,
    PipelineRef,
    RetryValue,
    StaticArtifact,
    StepRef,
    Unknown,
    is_known,
)

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.evaluate import Evaluator
    from flowplan.compiler.frontends.static.facts import ModuleFacts

CONFIGURABLE = ("with_options", "configure")


def flowplan_object(qualified: str) -> Any:
    """The object ``qualified`` names inside the flowplan package, or Unknown."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in parts[cut:]:
            try:
                target = getattr(target, attr)
            except AttributeError:
                return Unknown(f"`{qualified}` is not part of flowplan")
        return ModuleRef(module_name) if cut == len(parts) else target
    return Unknown(f"`{qualified}` is not part of flowplan")


def _is_flowplan(value: object) -> bool:
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
    return isinstance(module, str) and module.split(".")[0] == "flowplan"


def attribute(facts: ModuleFacts, target: Any, name: str) -> Any:
    """``target.name``; an artifact refuses (raises ArtifactMisuse), as when traced."""
    if isinstance(target, StaticArtifact):
        return Unknown() if name.startswith("__") else getattr(target, name)
    if isinstance(target, ModuleRef):
        if target.facts is not None:
            value = target.facts.lookup(name)
            if not isinstance(value, Unknown) or name in target.facts.bindings:
                return value
        return facts.program.resolve(f"{target.name}.{name}", facts)
    if isinstance(target, FunctionRef) and isinstance(target.node, ast.ClassDef):
        return class_constant(target, name)
    if isinstance(target, (StepRef, PipelineRef)):
        if name in CONFIGURABLE:
            return MethodRef(target, name)
        return target.name if name == "name" else Unknown(f"`.{name}` of a {type(target)}")
    if ops.is_plain(target):
        return ops.method(target, name) or Unknown()
    if isinstance(target, (type, enum.Enum)) and _is_flowplan(target) and not name.startswith("_"):
        return getattr(target, name, Unknown())
    return Unknown()


def class_constant(cls: FunctionRef, name: str) -> Any:
    """``Class.NAME`` for a constant written in the class body (``NAME = "value"``), the
    members of a ``str`` enum included (``Artifacts.MODEL`` reads as its string value)."""
    from flowplan.compiler.frontends.static.evaluate import Evaluator

    assert isinstance(cls.node, ast.ClassDef)
    found: ast.expr | None = None
    for stmt in cls.node.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found = getattr(stmt, "value", None)
    value = Evaluator(cls.module).value(found) if found is not None else None
    if isinstance(value, (str, int, float, bool)):
        return value
    return Unknown(f"`{cls.qualname}.{name}` is not a constant of the class body")


def special_call(
    ev: Evaluator, func: Any, node: ast.Call, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    """Calls the front end understands outside a step call: ``with_options``/``configure``
    and ``StepRetryConfig(...)``.  Everything else is Unknown."""
    if isinstance(func, MethodRef) and func.name in CONFIGURABLE and not args:
        target = func.target
        if isinstance(target, StepRef):
            return StepRef(target.definition, (*target.options, *kwargs.items()))
        if isinstance(target, PipelineRef):
            return PipelineRef(target.definition, (*target.options, *kwargs.items()))
    from flowplan.config.retry_config import StepRetryConfig, retry_problems

    if func is StepRetryConfig:
        return retry_value(args, kwargs, retry_problems)
    return Unknown("a call the front end does not follow")


def retry_value(args: list[Any], kwargs: dict[str, Any], problems: Any) -> Any:
    """A valid, fully known ``StepRetryConfig(...)``; Unknown otherwise (FP111 is reported
    by the lint rule that reads every such call)."""
    fields = dict(zip(("max_retries", "delay", "backoff"), args, strict=False))
    if set(fields) & set(kwargs) or set(kwargs) - {"max_retries", "delay", "backoff"}:
        return Unknown("StepRetryConfig with invalid arguments")
    fields.update(kwargs)
    if not is_known(list(fields.values())):
        return Unknown("StepRetryConfig with unknown values")
    value = RetryValue(**fields)
    if problems(value.max_retries, value.delay, value.backoff):
        return Unknown("an invalid StepRetryConfig")
    return RetryValue(value.max_retries, float(value.delay), float(value.backoff))


def configured(ref: Any, calls: list[ast.Call], facts: ModuleFacts) -> Any:
    """``ref`` with the options of module-level ``name.configure(...)`` statements."""
    if not calls:
        return ref
    from flowplan.compiler.frontends.static.evaluate import Evaluator

    for call in calls:
        ev = Evaluator(facts)
        options = {k.arg: ev.value(k.value) for k in call.keywords if k.arg is not None}
        ref = type(ref)(ref.definition, (*ref.options, *options.items()))
    return ref
