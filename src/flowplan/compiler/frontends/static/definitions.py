"""``@step``/``@pipeline`` definitions found in a module's source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from flowplan.analyzer.blocks import SIMPLE_STATEMENTS, statement_blocks

if TYPE_CHECKING:
    from flowplan.analyzer.signature import StepSignature
    from flowplan.analyzer.spellings import Spelling
    from flowplan.compiler.frontends.static.facts import ModuleFacts

DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(eq=False)
class Definition:
    """A def (or class) decorated with ``@step``/``@pipeline``, bare or with options."""

    facts: ModuleFacts
    node: DefNode
    qualname: str
    decorator: ast.expr
    kind: Literal["step", "pipeline"]
    template: object = None  # the step's template without later options, once built
    spelling: Spelling = "flowplan"  # whose decorator: flowplan's, or ZenML's (decision 17)

    def __post_init__(self) -> None:
        node = self.node
        # The def's first line -- its first decorator's -- as ``co_firstlineno`` gives it.
        self.line = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        self.location = (self.facts.source.path, self.line)
        self.is_function = not isinstance(node, ast.ClassDef)
        # A bare decorator (``@step``) has no options to evaluate.
        self._options: dict[str, Any] | None = (
            None if isinstance(self.decorator, ast.Call) else {}
        )

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def options_call(self) -> ast.Call | None:
        return self.decorator if isinstance(self.decorator, ast.Call) else None

    @property
    def decorator_options(self) -> dict[str, Any]:
        """The keyword options written in the decorator, evaluated in the module's scope
        (once)."""
        if self._options is None:
            self._options = self._read_options()
        return self._options

    def _read_options(self) -> dict[str, Any]:
        from flowplan.compiler.frontends.static.evaluate import Evaluator

        call = self.options_call
        if call is None:
            return {}
        ev = Evaluator(self.facts)
        return {k.arg: ev.value(k.value) for k in call.keywords if k.arg is not None}

    def effective_name(self, options: tuple[tuple[str, Any], ...]) -> str:
        """The name after ``name=`` options (the decorator's, then later ones)."""
        name = self.name
        for key, value in [*self.decorator_options.items(), *options]:
            if key == "name" and isinstance(value, str) and value:
                name = value
        return name


class StepDef(Definition):
    @property
    def signature(self) -> StepSignature:
        return self.facts.signature(self)


class PipelineDef(Definition):
    pass


def decorated_defs(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, DefNode]]:
    """Every decorated def or class, at any depth, with its qualname."""
    for stmt in body:
        if isinstance(stmt, SIMPLE_STATEMENTS):
            continue
        if isinstance(stmt, ast.ClassDef):
            if stmt.decorator_list:
                yield f"{prefix}{stmt.name}", stmt
            yield from decorated_defs(stmt.body, f"{prefix}{stmt.name}.")
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.decorator_list:
                yield f"{prefix}{stmt.name}", stmt
            if not all(isinstance(inner, SIMPLE_STATEMENTS) for inner in stmt.body):
                yield from decorated_defs(stmt.body, f"{prefix}{stmt.name}.<locals>.")
        else:
            for block in statement_blocks(stmt):
                yield from decorated_defs(block, prefix)
