"""Where a run configuration's keys are, and its validation errors as diagnostics.

:class:`Locator` records the 1-based line and column of every YAML key and value, by key
path (``("steps", "train", "parameters")``); :func:`pydantic_problems` turns each pydantic
error into an FP004 (unknown key) or FP005 (wrong value) diagnostic at that place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest, files

KeyPath = tuple[str, ...]
Position = tuple[int, int]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_EXAMPLES = {"must be true or false": "true", "must be an integer": "3",
             "must be a number": "1.5", "must be a string": '"text"'}
_PHRASES = {
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "int_type": "must be an integer", "int_parsing": "must be an integer",
    "int_from_float": "must be an integer", "float_type": "must be a number",
    "float_parsing": "must be a number", "finite_number": "must be a finite number",
    "string_type": "must be a string", "dict_type": "must be a mapping",
    "model_type": "must be a mapping", "model_attributes_type": "must be a mapping",
    "missing": "is required",
}


class Locator:
    """Key paths of one configuration -> positions; remembers keys renamed while folding."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.keys: dict[KeyPath, Position] = {}
        self.values: dict[KeyPath, Position] = {}
        self._spelled: dict[KeyPath, str] = {}

    def read_nodes(self, root: yaml.Node | None) -> list[Diagnostic]:
        """Record the positions under ``root``; return FP003 for each duplicate key."""
        problems: list[Diagnostic] = []
        if root is not None:
            self.values[()] = (root.start_mark.line + 1, root.start_mark.column + 1)
            self._walk(root, (), problems)
        return problems

    def _walk(self, node: yaml.Node, path: KeyPath, problems: list[Diagnostic]) -> None:
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, str(index)), problems)
            return
        if not isinstance(node, yaml.MappingNode):
            return
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            here = (*path, str(key_node.value))
            at = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if here[-1] in seen:
                problems.append(files.duplicate_yaml_key(".".join(here), self.source, at[0], at[1]))
            seen.add(here[-1])
            self.keys[here] = at
            self.values[here] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            self._walk(value_node, here, problems)

    def rename(self, old: KeyPath, new: KeyPath) -> None:
        """Positions recorded under ``old`` now answer for ``new`` (a folded key)."""
        for table in (self.keys, self.values):
            for path in [p for p in table if p[: len(old)] == old]:
                table[new + path[len(old):]] = table.pop(path)
        self._spelled[new] = old[-1]

    def key(self, path: KeyPath) -> tuple[int | None, int | None]:
        """Position of the key at ``path``, else of its nearest recorded ancestor."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.keys:
                return self.keys[path[:end]]
        return None, None

    def value(self, path: KeyPath) -> tuple[int | None, int | None]:
        return self.values.get(path) or self.key(path)

    def display(self, path: KeyPath) -> str:
        """``path`` as the user wrote it: ``settings.orchestrator.local.synchronous``."""
        parts = [self._spelled.get(path[: i + 1], part) for i, part in enumerate(path)]
        return ".".join(parts)


def pydantic_problems(exc: ValidationError, locator: Locator,
                      allowed_keys: Callable[[KeyPath], list[str]]) -> list[Diagnostic]:
    """One FP004 or FP005 diagnostic for each error pydantic found."""
    problems: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        path = tuple(str(part) for part in err["loc"])
        if err["type"] == "extra_forbidden":
            line, column = locator.key(path)
            fix = suggest(path[-1], allowed_keys(path[:-1]), "keys")
            problems.append(files.unknown_config_key(locator.display(path), locator.source,
                                                     line, column, fix))
        else:
            problems.append(_value_problem(err, path, locator))
    return problems


def _value_problem(err: ErrorDetails, path: KeyPath, locator: Locator) -> Diagnostic:
    if err["type"] == "invalid_key" or path[-1:] == ("[key]",):
        path = path[:-1] if path[-1:] == ("[key]",) else path
        line, column = locator.key(path)
        return files.non_string_config_key(locator.display(path), locator.source, line, column)
    phrase, shown = _phrase(err), _show(err["input"])
    line, column = locator.value(path)
    where = locator.display(path) or "the run configuration"
    message = f"`{where}` {phrase}" + ("" if err["type"] == "missing" else f", got {shown}")
    example = _EXAMPLES.get(phrase)
    fix = f"for example `{path[-1]}: {example}`" if example and path else None
    if err["type"] == "literal_error":
        fix = f"use {err.get('ctx', {}).get('expected', 'one of the documented values')}"
    return files.invalid_config_value(message, fix, locator.source, line, column)


def _phrase(err: ErrorDetails) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind in _PHRASES:
        return _PHRASES[kind]
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']}"
    if kind == "greater_than":
        return f"must be > {ctx['gt']}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    msg = err["msg"]
    return f"is invalid: {msg[:1].lower()}{msg[1:]}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def suggest(word: str, known: Collection[str], kind: str) -> str:
    """A did-you-mean hint for ``word`` among ``known``, else the list of ``known``."""
    candidates = sorted(known)
    close = closest(word, candidates) or closest(word.split(".", 1)[0], candidates)
    if close:
        return f"did you mean `{close}`?"
    if not candidates:
        return f"there are no {kind} to set here; remove it"
    return f"known {kind}: {', '.join(candidates)}"
