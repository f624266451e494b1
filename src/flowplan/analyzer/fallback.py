"""A step's signature when its source cannot be read (exec'd code, an interactive session).

Everything comes from the live function: inputs from ``inspect.signature``, outputs from the
return annotation alone, and the code hash from the bytecode.  With no ``return`` statement to
look at, no tuple literal can be seen, so a fixed-length ``Tuple[...]`` annotation is one output
of tuple type here (DESIGN decision 1 needs the source to split outputs).  An FP107 warning
says so and how to get the precise behaviour back.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

from flowplan.analyzer.signature import InputSpec, OutputSpec, ParamKind, StepSignature
from flowplan.diagnostics import Diagnostic
from flowplan.digests import sha256
from flowplan.messages import definitions

_KINDS: dict[inspect._ParameterKind, ParamKind] = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
}


def signature_without_source(func: Callable[..., Any], reason: str) -> StepSignature:
    """The signature of ``func`` from its live objects, with an FP107 warning giving ``reason``."""
    code: types.CodeType = func.__code__
    signature = inspect.signature(func)
    params = signature.parameters.values()
    inputs = tuple(
        InputSpec(
            name=p.name,
            annotation=annotation_text(p.annotation),
            has_default=p.default is not inspect.Parameter.empty,
            default_source=None if p.default is inspect.Parameter.empty else repr(p.default),
            kind=_KINDS[p.kind],
        )
        for p in params
        if p.kind in _KINDS
    )
    returns = _return_annotation(func, signature.return_annotation)
    outputs, problem = _outputs(returns, code)
    warning = definitions.source_unavailable(code.co_name, reason, code.co_filename,
                                             code.co_firstlineno)
    missing = [i.name for i in inputs if i.annotation is None]
    if returns is inspect.Signature.empty:
        missing.append("return")
    return StepSignature(
        name=code.co_name,
        qualname=getattr(func, "__qualname__", code.co_name),
        path=code.co_filename,
        line=code.co_firstlineno,
        column=None,
        inputs=inputs,
        outputs=outputs,
        multi_output=False,
        return_annotation=annotation_text(returns),
        code_hash=bytecode_hash(code),
        diagnostics=(warning,) if problem is None else (warning, problem),
        missing_annotations=tuple(missing),
        source_available=False,
    )


def annotation_text(annotation: Any) -> str | None:
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def _return_annotation(func: Callable[..., Any], raw: Any) -> Any:
    """The return annotation, with string annotations resolved when that is possible."""
    if isinstance(raw, str):
        try:
            return typing.get_type_hints(func, include_extras=True).get("return", raw)
        except Exception:  # an unresolvable forward reference stays text
            return raw
    return raw


def _outputs(
    annotation: Any, code: types.CodeType
) -> tuple[tuple[OutputSpec, ...], Diagnostic | None]:
    if annotation is inspect.Signature.empty:
        return (OutputSpec("output", None),), None
    if annotation is None or annotation is type(None) or annotation in ("None", "'None'"):
        return (), None
    if typing.get_origin(annotation) is not typing.Annotated:
        return (OutputSpec("output", annotation_text(annotation)),), None
    inner = annotation_text(typing.get_args(annotation)[0])
    metadata = annotation.__metadata__
    if len(metadata) == 1 and isinstance(metadata[0], str) and metadata[0]:
        return (OutputSpec(metadata[0], inner),), None
    if len(metadata) == 1 and type(metadata[0]).__name__ == "ArtifactConfig":
        name = getattr(metadata[0], "name", None)
        return (OutputSpec(name if isinstance(name, str) and name else "output", inner),), None
    problem = definitions.output_metadata_not_a_name(code.co_name, metadata, code.co_filename,
                                                     code.co_firstlineno)
    return (OutputSpec("output", inner),), problem


def bytecode_hash(code: types.CodeType) -> str:
    """sha256 hex of the bytecode, constants (nested code objects too) and names of ``code``."""
    digest = sha256()
    for chunk in _chunks(code):
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(code: types.CodeType) -> Iterator[bytes]:
    yield code.co_code
    yield repr(code.co_names).encode()
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield b"\0code\0"
            yield from _chunks(const)
        else:
            yield b"\0const\0" + _stable_repr(const).encode()


def _stable_repr(value: object) -> str:
    """``repr`` that does not depend on the hash seed (frozenset order)."""
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(sorted(map(_stable_repr, value))) + "})"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_stable_repr, value)) + ",)"
    return repr(value)
