"""Problems a module's ``@step``/``@pipeline`` definitions raise when it is imported (FP1xx,
FP305), found in the order the live objects find them -- FP109, then FP110, then the
options -- with the same messages."""

from __future__ import annotations

import ast

from flowplan.compiler.frontends.static.definitions import Definition, StepDef
from flowplan.compiler.frontends.static.source_options import configure
from flowplan.compiler.frontends.static.templates import step_template
from flowplan.compiler.frontends.static.values import StepRef
from flowplan.compiler.step import RESERVED_INPUTS
from flowplan.diagnostics import Diagnostic
from flowplan.messages import definitions as messages


def definition_problems(definitions: list[Definition], enforce: bool) -> list[Diagnostic]:
    """The problems of ``definitions`` (a module's, or those of a shard of it)."""
    found: list[Diagnostic] = []
    for defn in definitions:
        found += _problems(defn, enforce)
    return found


def _problems(defn: Definition, enforce: bool) -> list[Diagnostic]:
    path, line = defn.location
    if not defn.is_function:
        return [messages.decorated_non_function(defn.kind, "type", path, defn.decorator.lineno)]
    if not isinstance(defn, StepDef):
        return list(configure(defn, []).problems)
    generator = defn.facts.source.mentions_yield and _is_generator(defn.node)
    if isinstance(defn.node, ast.AsyncFunctionDef) or generator:
        return [messages.step_not_plain_function(defn.name, path, line)]
    shape = _parameter_problems(defn)
    if shape:
        return shape
    template = step_template(StepRef(defn))
    sig = defn.signature
    return [*template.options.problems, *sig.diagnostics, *template.problems,
            *(_annotation_problems(defn) if enforce else [])]


def _is_generator(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(item))
    return False


def _parameter_problems(defn: StepDef) -> list[Diagnostic]:
    """FP110, as ``flowplan.compiler.step._check_parameters`` words it."""
    assert not isinstance(defn.node, ast.ClassDef)
    args = defn.node.args
    if args.vararg is None and args.kwarg is None and not _reserved_named(args):
        return []
    path, line = defn.location
    named = [(a, "") for a in [*args.posonlyargs, *args.args]]
    named += [(args.vararg, "*")] if args.vararg else []
    named += [(a, "") for a in args.kwonlyargs]
    named += [(args.kwarg, "**")] if args.kwarg else []
    problems = []
    for arg, star in named:
        if star:
            problems.append(messages.star_input(defn.name, star, arg.arg, path, line))
        elif arg.arg in RESERVED_INPUTS:
            problems.append(messages.reserved_input(defn.name, arg.arg, path, line))
    return problems


def _reserved_named(args: ast.arguments) -> bool:
    """Whether a parameter is named like a call keyword (``id``, ``after``)."""
    for group in (args.posonlyargs, args.args, args.kwonlyargs):
        for arg in group:
            if arg.arg in RESERVED_INPUTS:
                return True
    return False


def _annotation_problems(defn: StepDef) -> list[Diagnostic]:
    """FP101 from the library's own check, enforced."""
    from flowplan.analyzer.analyze import enforce_annotations

    return enforce_annotations(defn.signature, enforce=True)

