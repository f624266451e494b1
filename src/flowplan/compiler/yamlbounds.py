"""Bounds on what a YAML run configuration may expand to (DESIGN decision 18).

Aliases let a few hundred bytes stand for an exponential tree (``a: &a [x, x]``,
``b: &b [*a, *a]``, …), and an alias inside its own anchor stands for an infinite one.  The
composed node graph is walked once, without recursion, with each shared node counted once
per use: a document past :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels, or with a
cycle, is refused with one diagnostic (FP010) before anything walks the expanded tree.
"""

from __future__ import annotations

import yaml

from flowplan.diagnostics import Diagnostic
from flowplan.messages import files

MAX_NODES = 100_000  # scalars, sequences and mappings once aliases are expanded
MAX_DEPTH = 100


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def expansion_problem(root: yaml.Node | None, source: str) -> Diagnostic | None:
    """FP010 when ``root`` expands past the bounds or refers to itself; None otherwise."""
    if root is None:
        return None
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            visiting.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_NODES or depth[key] > MAX_DEPTH:
                return _refused(node, source, f"expands to more than {MAX_NODES:,} values or "
                                f"{MAX_DEPTH} levels once its aliases are expanded")
            continue
        if key in size:
            continue
        visiting.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in visiting:
                return _refused(child, source, "contains an alias inside its own anchor")
            if id(child) not in size:
                stack.append((child, False))
    return None


def _refused(node: yaml.Node, source: str, what: str) -> Diagnostic:
    mark = node.start_mark
    return files.run_config_too_large(source, what, mark.line + 1, mark.column + 1)
