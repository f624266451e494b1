"""The output name an ``Annotated[T, ...]`` return annotation gives (DESIGN decision 2).

The metadata is one item: a string literal (``"model"``); an expression naming a constant
string (``MODEL_NAME``, ``Artifacts.MODEL``, ``PREFIX + "_model"``, an f-string), which the
front ends fold -- the tracing one from the live module, the static one from source; or an
``ArtifactConfig(name=...)`` (ZenML's spelling; without ``name=`` the default name stays).
Anything else is FP106.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import libcst as cst

from flowplan.analyzer.signature import StepSignature
from flowplan.messages import definitions

# Expressions that may stand for a constant string: names, attributes, concatenations.
_FOLDABLE = (cst.Name, cst.Attribute, cst.BinaryOperation, cst.FormattedString,
             cst.ConcatenatedString, cst.Subscript)


@dataclass(frozen=True)
class OutputName:
    """``literal`` when written as a string; ``expression`` (source text) to be folded."""

    literal: str | None = None
    expression: str | None = None


def string_value(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        if isinstance(value, str) and value:
            return value
    return None


def cst_dotted_name(expr: cst.BaseExpression) -> str | None:
    """``"a.b.c"`` for the libcst expression ``a.b.c``; None unless names and attributes."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = cst_dotted_name(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


def _artifact_config(expr: cst.BaseExpression, aliases: Mapping[str, str]) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    name = cst_dotted_name(expr.func) or ""
    return aliases.get(name, name).rsplit(".", 1)[-1] == "ArtifactConfig"


def output_name(metadata: Sequence[cst.BaseExpression], aliases: Mapping[str, str],
                text: object) -> OutputName | None:
    """What the metadata says about the output's name; None when it is invalid (FP106).
    ``text`` gives an expression's source (``source_text`` bound to the module)."""
    if len(metadata) != 1:
        return None
    item = metadata[0]
    literal = string_value(item)
    if literal is not None:
        return OutputName(literal=literal)
    if isinstance(item, _FOLDABLE):
        return OutputName(expression=text(item))  # type: ignore[operator]
    if _artifact_config(item, aliases):
        assert isinstance(item, cst.Call)
        given = next((a.value for a in item.args if a.keyword and a.keyword.value == "name"),
                     None)
        if given is None:
            return OutputName()
        return output_name([given], aliases, text)
    return None


NOT_KNOWN = object()  # what a fold returns when the value cannot be known statically
_SAFE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Constant, ast.BinOp, ast.Add,
               ast.JoinedStr, ast.FormattedValue, ast.Subscript, ast.Load)


def fold_names(sig: StepSignature, fold: Callable[[str], object],
               strict: bool = False) -> StepSignature:
    """``sig`` with each output name written as an expression replaced by its value
    (``fold(source)``); FP106 when the value is not a non-empty string.  A value that is
    ``NOT_KNOWN`` leaves the default name, marked as still unknown -- unless ``strict`` (the
    live module: what it cannot evaluate is no name)."""
    if not any(o.name_expression for o in sig.outputs):
        return sig
    outputs, problems = [], []
    for out in sig.outputs:
        if out.name_expression is None:
            outputs.append(out)
            continue
        value = fold(out.name_expression)
        if value is NOT_KNOWN and not strict:
            outputs.append(out)
        elif isinstance(value, str) and value:
            outputs.append(replace(out, name=str.__str__(value), name_expression=None))
        else:
            outputs.append(replace(out, name_expression=None))
            problems.append(definitions.output_name_not_a_string(
                sig.name, out.name_expression,
                "not known" if value is NOT_KNOWN else repr(value), sig.path, sig.line,
                sig.column))
    return replace(sig, outputs=tuple(outputs), diagnostics=(*sig.diagnostics, *problems))


def live_fold(namespace: Mapping[str, Any]) -> Callable[[str], object]:
    """Folds a name expression in a live module's namespace (the tracing front end): only
    names, attributes, subscripts and string concatenation -- nothing is called."""

    def fold(text: str) -> object:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            return NOT_KNOWN
        if not all(isinstance(n, _SAFE_NODES) for n in ast.walk(tree)):
            return NOT_KNOWN
        try:
            return eval(compile(tree, "<output name>", "eval"), {"__builtins__": {}},
                        dict(namespace))
        except Exception:  # a name the module lacks: not known
            return NOT_KNOWN

    return fold
