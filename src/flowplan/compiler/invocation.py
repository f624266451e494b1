"""From a step object and a traced call to an ``Invocation`` of the Plan."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowplan.analyzer.analyze import enforce_annotations
from flowplan.compiler.hook_signatures import hook_parameters, hook_path
from flowplan.compiler.plan import (
    HookRef,
    InputDef,
    Invocation,
    OutputDef,
    RetryDef,
    SourceLocation,
    StepConfig,
    StepInput,
    StepSource,
    TypeExpr,
)
from flowplan.compiler.types import type_expr
from flowplan.diagnostics import CompileError, Diagnostic, Severity
from flowplan.digests import sha256_hex
from flowplan.messages import definitions

if TYPE_CHECKING:
    from flowplan.compiler.step import BaseStep


def output_types(step: BaseStep) -> list[object]:
    """The annotation object of each output, in order (None where unknown)."""
    sig = step.signature
    hint = step.type_hints.get("return")
    if sig.multi_output:
        args = typing.get_args(hint) if hint is not None else ()
        return [args[i] if i < len(args) else None for i in range(len(sig.outputs))]
    return [hint] * len(sig.outputs)


def hook_ref(hook: Callable[..., Any] | None) -> HookRef | None:
    if hook is None:
        return None
    return HookRef(path=hook_path(hook), parameters=hook_parameters(hook))


def materializer_path(value: object) -> str:
    if isinstance(value, str):
        return value
    return f"{getattr(value, '__module__', '?')}:{getattr(value, '__qualname__', repr(value))}"


@dataclass(frozen=True)
class StepTemplate:
    """What every invocation of one configured step shares; built once per configuration."""

    source: StepSource
    input_defs: list[InputDef]
    outputs: list[tuple[str, TypeExpr | None, str | None, bool]]  # name, type, materializer, custom
    config: StepConfig
    problems: list[Diagnostic]
    warnings: list[Diagnostic]
    input_hints: dict[str, object]  # the type hints of the inputs, by name
    code_hash: str  # the invocations' code hash when the closure adds nothing


def step_template(step: BaseStep) -> StepTemplate:
    cached = step.template_cache
    if cached is not None:
        return cached  # type: ignore[return-value]
    sig = step.signature
    hints = step.type_hints
    problems: list[Diagnostic] = list(sig.errors)
    materializers = dict(step.output_materializers)
    default_materializer = materializers.pop("*", None)
    outputs = []
    for out, tp in zip(sig.outputs, output_types(step), strict=True):
        custom = out.name != "output" and not out.name.startswith("output_")
        chosen = materializers.pop(out.name, default_materializer)
        path_ = materializer_path(chosen) if chosen is not None else None
        outputs.append((out.name, type_expr(tp), path_, custom))
    path, line = step.location
    for name in materializers:
        problems.append(
            definitions.unknown_materialized_output(step.name, name, sig.output_names, path, line)
        )
    retry = step.retry
    template = StepTemplate(
        source=StepSource(
            module=step.entrypoint.__module__ or "__main__",
            qualname=step.entrypoint.__qualname__,
            path=path,
            line=line,
        ),
        input_defs=[
            InputDef(name=i.name, type=type_expr(hints.get(i.name)), required=not i.has_default)
            for i in sig.inputs
        ],
        outputs=outputs,
        config=StepConfig(
            enable_cache=step.enable_cache,
            retry=RetryDef(**retry.to_json()) if retry else None,  # type: ignore[arg-type]
            on_success=hook_ref(step.on_success),
            on_failure=hook_ref(step.on_failure),
            settings=dict(step.settings),
            extra=dict(step.extra),
            timeout=step.timeout,
        ),
        problems=problems,
        warnings=[d for d in sig.diagnostics if d.severity is Severity.WARNING],
        input_hints={k: v for k, v in hints.items() if k != "return"},
        code_hash=_code_hash(sig.code_hash, ""),
    )
    step.template_cache = template
    return template


def build_invocation(
    step: BaseStep,
    inv_id: str,
    pipeline: str,
    inputs: dict[str, StepInput],
    after: list[str],
    where: tuple[str | None, int | None, int | None],
) -> tuple[Invocation, list[Diagnostic]]:
    """The invocation, and the warnings (FP107, FP113) compiling it produced."""
    template = step_template(step)
    sig = step.signature
    if template.problems or sig.missing_annotations:
        problems = template.problems + enforce_annotations(sig)
        if problems:
            raise CompileError(problems)
    closure, warning = step.closure_key() if step.entrypoint.__closure__ else ("", None)
    code_hash = _code_hash(sig.code_hash, closure) if closure else template.code_hash
    config = template.config
    if warning is not None:
        config = dataclasses.replace(config, cacheable=False)
    outputs = [
        OutputDef(
            name=name,
            type=tp,
            artifact_name=name if custom else f"{pipeline}::{inv_id}::{name}",
            materializer=materializer,
        )
        for name, tp, materializer, custom in template.outputs
    ]
    invocation = Invocation(
        id=inv_id,
        step=step.name,
        source=template.source,
        location=SourceLocation(path=where[0], line=where[1], column=where[2]),
        inputs=inputs,
        after=after,
        input_defs=template.input_defs,
        outputs=outputs,
        config=config,
        code_hash=code_hash,
    )
    return invocation, [*template.warnings, warning] if warning else template.warnings


def _code_hash(code: str, closure: str | None) -> str:
    """An invocation's code hash: the step's code and its closure's values (decision 7)."""
    return sha256_hex(f"{code}|{closure or ''}".encode())
