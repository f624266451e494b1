"""Output names written as expressions (``Names.MODEL``, ``PREFIX + "_model"``), folded to
their values by each front end: the tracing one in the live module (:func:`live_fold`), the
static one from source.  Only the ``ast`` is needed here, so a check whose signatures are
all read from the ``ast`` never imports libcst.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from flowplan.analyzer.signature import StepSignature
from flowplan.messages import definitions

NOT_KNOWN = object()  # what a fold returns when the value cannot be known statically
_SAFE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Constant, ast.BinOp, ast.Add,
               ast.JoinedStr, ast.FormattedValue, ast.Subscript, ast.Load)


def fold_names(sig: StepSignature, fold: Callable[[str], object],
               strict: bool = False) -> StepSignature:
    """``sig`` with each output name written as an expression replaced by its value
    (``fold(source)``); FP106 when the value is not a non-empty string.  A value that is
    ``NOT_KNOWN`` leaves the default name, marked as still unknown -- unless ``strict`` (the
    live module: what it cannot evaluate is no name)."""
    for out in sig.outputs:
        if out.name_expression:
            break
    else:
        return sig  # no name written as an expression: the common case
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
