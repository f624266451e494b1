"""The output name an ``Annotated[T, ...]`` return annotation gives (DESIGN decision 2).

The metadata is one item: a string literal (``"model"``); an expression naming a constant
string (``MODEL_NAME``, ``Artifacts.MODEL``, ``PREFIX + "_model"``, an f-string), which the
front ends fold (:mod:`flowplan.analyzer.name_folding`) -- the tracing one from the live
module, the static one from source; or an ``ArtifactConfig(name=...)`` (ZenML's spelling;
without ``name=`` the default name stays).  Anything else is FP106.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

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
