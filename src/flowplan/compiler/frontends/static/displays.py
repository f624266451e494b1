"""Displays and comprehensions -- ``[...]``, ``{...}``, f-strings, ``[f(x) for x in xs]``
-- for :class:`~flowplan.compiler.frontends.static.evaluate.Evaluator` (a mixin, to keep modules
small).

A comprehension runs in its own frame when traced, so a problem inside it is reported at the
comprehension (the instruction the pipeline body is executing), as the tracer reports it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowplan.compiler.frontends.static import operations as ops
from flowplan.compiler.frontends.static.values import Unknown

if TYPE_CHECKING:
    from flowplan.analyzer.source import SourceFile
    from flowplan.compiler.frontends.static.facts import ModuleFacts

    Site = tuple[SourceFile, ast.AST]


class Displays:
    """The display and comprehension handlers of the evaluator."""

    # Provided by the evaluator:
    facts: ModuleFacts
    names: dict[str, Any]
    anchor: Site | None
    value: Callable[[ast.expr], Any]
    truth: Callable[[ast.expr], bool | None]
    iterate: Callable[..., list[Any] | None]
    assign: Callable[[ast.expr, Any, ast.AST], None]

    def _JoinedStr(self, node: ast.JoinedStr) -> Any:
        parts: list[str] = []
        known = True
        for item in node.values:
            if isinstance(item, ast.Constant):
                parts.append(str(item.value))
                continue
            assert isinstance(item, ast.FormattedValue)
            value = self.value(item.value)
            spec = self.value(item.format_spec) if item.format_spec else ""
            if unknown(value, spec) or not ops.small_format(spec):
                known = False
                parts.append(value.text if isinstance(value, Unknown) and value.text
                             else "{" + ast.unparse(item.value) + "}")
                continue
            parts.append(format(_converted(value, item.conversion), spec))
        text = "".join(parts)
        return text if known else Unknown("an f-string with unknown parts", text=text)

    def _List(self, node: ast.List) -> Any:
        return self._elements(node, node.elts)

    def _Tuple(self, node: ast.Tuple) -> Any:
        items = self._elements(node, node.elts)
        return tuple(items) if isinstance(items, list) else items

    def _Set(self, node: ast.Set) -> Any:
        items = self._elements(node, node.elts)
        if not isinstance(items, list) or not ops.is_plain(items):
            return Unknown()
        try:
            return set(items)
        except TypeError:
            return Unknown()

    def _elements(self, node: ast.expr, elts: list[ast.expr]) -> list[Any] | Unknown:
        out: list[Any] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                items = self.iterate(elt.value, report_at=node)
                if items is None:
                    return Unknown()
                out.extend(items)
            else:
                out.append(self.value(elt))
        return out

    def _Dict(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for key, item in zip(node.keys, node.values, strict=True):
            if key is None:
                extra = self.value(item)
                if not isinstance(extra, dict):
                    return Unknown()
                out.update(extra)
                continue
            k = self.value(key)
            if isinstance(k, Unknown) or not hashable(k):
                return Unknown()
            out[k] = self.value(item)
        return out

    def _ListComp(self, node: ast.ListComp) -> Any:
        items = self._comprehension(node, lambda: [self.value(node.elt)])
        return items

    def _SetComp(self, node: ast.SetComp) -> Any:
        items = self._comprehension(node, lambda: [self.value(node.elt)])
        return set(items) if isinstance(items, list) and ops.is_plain(items) else Unknown()

    def _GeneratorExp(self, node: ast.GeneratorExp) -> Any:
        return self._comprehension(node, lambda: [self.value(node.elt)])

    def _DictComp(self, node: ast.DictComp) -> Any:
        pairs = self._comprehension(node, lambda: [(self.value(node.key), self.value(node.value))])
        if not isinstance(pairs, list) or not all(hashable(k) for k, _ in pairs):
            return Unknown()
        return dict(pairs)

    def _comprehension(self, node: ast.expr, produce: Callable[[], list[Any]]) -> Any:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        outer, saved = self.anchor, dict(self.names)
        results: list[Any] = []
        try:
            first = self.iterate(generators[0].iter)
            self.anchor = outer or (self.facts.source, node)
            if first is None or not self._generate(generators, 0, first, produce, results):
                return Unknown("a comprehension over an unknown iterable")
            return results
        finally:
            self.anchor = outer
            self.names = saved

    def _generate(self, gens: list[ast.comprehension], index: int, items: list[Any],
                  produce: Callable[[], list[Any]], results: list[Any]) -> bool:
        gen = gens[index]
        for item in items:
            self.assign(gen.target, item, gen.target)
            truths = [self.truth(cond) for cond in gen.ifs]
            if any(t is None for t in truths):
                return False
            if not all(truths):
                continue
            if index + 1 == len(gens):
                results.extend(produce())
                continue
            inner = self.iterate(gens[index + 1].iter)
            if inner is None or not self._generate(gens, index + 1, inner, produce, results):
                return False
        return True



def unknown(*values: Any) -> bool:
    return any(isinstance(v, Unknown) for v in values)


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _converted(value: Any, conversion: int) -> Any:
    """``!s``, ``!r`` or ``!a`` of an f-string replacement field."""
    if conversion == ord("s"):
        return str(value)
    if conversion == ord("r"):
        return repr(value)
    if conversion == ord("a"):
        return ascii(value)
    return value
