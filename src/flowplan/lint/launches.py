"""How the project runs each pipeline, read from every file of the project: the
``<pipeline>.with_options(...)``/``.configure(...)`` calls -- often in a ``run.py``, inside a
function, with options gathered in a dict (``pipeline_args["config_path"] = ...``).

A pipeline's *launches* say which run configurations it is run with (decision 18: code names
them; a path only partly known, ``f"etl_{mode}.yaml"``, names the project's YAML files it
matches) and whether a run may keep caching on.  Option values that cannot be known are left
out, except ``enable_cache=<unknown>``: the launch then decides caching at run time.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowplan.analyzer.spellings import mentions_model
from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.facts import ModuleFacts
from flowplan.compiler.frontends.static.program import Program
from flowplan.compiler.frontends.static.references import CONFIGURABLE
from flowplan.compiler.frontends.static.values import PipelineRef, Unknown

_CONDITIONAL = (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.IfExp, ast.Match)
_WORD = re.compile(rb"\w+")
_SKIPPED = {".git", "__pycache__", "node_modules", ".venv", "venv", "build", "dist"}


@dataclass
class Launches:
    """What the project's launches of one pipeline set."""

    configs: list[Path] = field(default_factory=list)  # run configurations named for it
    matched: set[Path] = field(default_factory=set)  # of those, matched by a partial path
    cache_may_stay_on: bool = True  # some launch leaves caching as configured
    count: int = 0
    unknown_config: bool = False  # some launch names a run configuration not found here


@dataclass
class _Option:
    values: list[Any] = field(default_factory=list)
    maybe_absent: bool = False


class ProjectLaunches:
    """The launches of every pipeline of a project, read once per check process."""

    def __init__(self, program: Program, root: Path) -> None:
        self.program = program
        self.root = root
        self._files: list[Path] | None = None
        self._texts: dict[Path, bytes] = {}  # files in scope that mention pipelines
        self._words: dict[Path, frozenset[bytes]] = {}  # of files that may launch pipelines
        self._yaml: list[Path] | None = None
        self._found: dict[tuple[str, str], Launches] = {}
        self._matched: set[Path] = set()

    def _scan(self) -> None:
        self._files, self._yaml = [], []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in _SKIPPED and not d.startswith(".")]
            for name in names:
                if name.endswith((".yaml", ".yml")):
                    self._yaml.append(Path(folder, name))
                elif name.endswith(".py"):
                    path = Path(folder, name)
                    try:
                        data = path.read_bytes()
                    except OSError:
                        continue
                    if b"with_options" in data or b"configure" in data or (
                            b"pipeline" in data and mentions_model(data)):
                        self._files.append(path)
                        self._texts[path] = data

    def of(self, ref: PipelineRef) -> Launches:
        path, _ = ref.definition.location
        key = (path, ref.definition.qualname)
        if key not in self._found:
            self._found[key] = self._read(ref)
        return self._found[key]

    def files_naming(self, *names: bytes) -> list[Path]:
        """Python files of the project that mention pipelines and hold every one of ``names``."""
        if self._files is None:
            self._scan()
        assert self._files is not None
        return [p for p in self._files
                if all(n in self._texts[p] for n in names) and mentions_model(self._texts[p])]

    def _read(self, ref: PipelineRef) -> Launches:
        if self._files is None:
            self._scan()
        assert self._files is not None
        name = ref.definition.name.encode()
        launches = Launches()
        cache_states: list[bool] = []
        for path in self._files:
            if name not in self._words_of(path):
                continue
            facts = self.program.facts_for(path)
            if facts is None:
                continue
            for options in _launch_calls(facts, ref):
                launches.count += 1
                named = options.get("config_path")
                found = self._configs(named, path)
                launches.configs += found
                launches.unknown_config |= named is not None and not found
                cache_states.append(_may_cache(options.get("enable_cache")))
        if cache_states:
            launches.cache_may_stay_on = any(cache_states)
        launches.configs = sorted(set(launches.configs))
        launches.matched = self._matched & set(launches.configs)
        return launches

    def _words_of(self, path: Path) -> frozenset[bytes]:
        """The words of ``path`` if it may launch pipelines (read once: a search of the
        whole text per pipeline would make a file of many pipelines quadratic)."""
        found = self._words.get(path)
        if found is None:
            data = self._texts[path]
            launches = b"with_options" in data or b"configure" in data
            found = self._words[path] = frozenset(_WORD.findall(data)) if launches else frozenset()
        return found

    def _configs(self, option: _Option | None, importer: Path) -> list[Path]:
        found: list[Path] = []
        values = [(v, isinstance(value, tuple) and len(value) > 1)
                  for value in (option.values if option else [])
                  for v in (value if isinstance(value, tuple) else (value,))]
        for pattern, one_of_several in values:
            if not isinstance(pattern, str):
                continue
            if not any(c in pattern for c in "*?["):
                for base in (importer.parent, self.root):
                    if (base / pattern).is_file():
                        found.append((base / pattern).resolve())
                        if one_of_several:  # which one a run uses is not known
                            self._matched.add(found[-1])
                        break
                continue
            assert self._yaml is not None
            tail = pattern.replace("\\", "/").rsplit("/", 1)[-1]
            home = importer.parent  # the launching script's project: its folder and below
            guessed = [p.resolve() for p in self._yaml
                       if fnmatch.fnmatchcase(p.name, tail) and home in p.parents]
            self._matched.update(guessed)
            found += guessed
        return found


def _may_cache(option: _Option | None) -> bool:
    if option is None or option.maybe_absent:
        return True
    if any(isinstance(v, Unknown) for v in option.values):
        return False  # enable_cache decided at run time: not ours to judge
    return any(v is not False for v in option.values)


def _launch_calls(facts: ModuleFacts, ref: PipelineRef) -> list[dict[str, _Option]]:
    """The ``with_options``/``configure`` calls on ``ref``'s pipeline in a module."""
    assert facts.source.tree is not None
    found = []
    want = (ref.definition.location[0], ref.definition.qualname)
    scopes: list[list[ast.stmt]] = [facts.source.tree.body]
    scopes += [n.body for n in ast.walk(facts.source.tree)
               if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for body in scopes:
        for call in _calls(body):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr in CONFIGURABLE):
                continue
            target = Evaluator(facts).value(func.value)
            if not isinstance(target, PipelineRef) and isinstance(func.value, ast.Name):
                target = _imported_here(facts, body, func.value.id)
            if not isinstance(target, PipelineRef) or (
                    target.definition.location[0], target.definition.qualname) != want:
                continue
            found.append(_options(facts, call, body))
    return found


def _imported_here(facts: ModuleFacts, body: list[ast.stmt], name: str) -> Any:
    """What ``name`` stands for when the scope imports it itself (``from pipelines import
    training`` inside ``main()``, a common way for a run script to import lazily)."""
    for node in _walk(body):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return facts.program.resolve(f"{node.module}.{alias.name}", facts)
    return None


def _calls(body: list[ast.stmt]) -> list[ast.Call]:
    """Calls in a scope's own statements (nested defs are scopes of their own)."""
    out: list[ast.Call] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _options(facts: ModuleFacts, call: ast.Call, body: list[ast.stmt]) -> dict[str, _Option]:
    ev = Evaluator(facts)
    options: dict[str, _Option] = {}
    for keyword in call.keywords:
        if keyword.arg is not None:
            options.setdefault(keyword.arg, _Option()).values.append(
                _value(ev, keyword.arg, keyword.value, body, call.lineno))
        elif isinstance(keyword.value, ast.Name):
            for key, option in _dict_entries(ev, keyword.value.id, body, call.lineno).items():
                options[key] = option
    return options


def _value(ev: Evaluator, key: str, node: ast.expr, body: list[ast.stmt], line: int) -> Any:
    if key == "config_path":
        return _path_pattern(ev, node, body, line)
    return ev.value(node)


def _path_pattern(ev: Evaluator, node: ast.expr, body: list[ast.stmt], line: int,
                  depth: int = 0) -> Any:
    """A config path, a glob of its known tail (``etl_*.yaml``, ``*/training.yaml``) when
    partly known, or a tuple of the paths a variable or conditional may hold."""
    value = ev.value(node)
    if isinstance(value, str) or depth > 3:
        return value
    tail: ast.expr | None = None
    if isinstance(node, ast.Call) and node.args and _tail_call(node):
        tail = node.args[-1]
        if len(node.args) == 1:
            return _path_pattern(ev, tail, body, line, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        tail = node.right
    if tail is not None:
        known = _path_pattern(ev, tail, body, line, depth + 1)
        return f"*/{known}" if isinstance(known, str) else known
    if isinstance(node, ast.JoinedStr):
        parts = [p.value if isinstance(p, ast.Constant) else "*" for p in node.values]
        return "".join(str(p) for p in parts)
    if isinstance(node, ast.IfExp):
        branches = [_path_pattern(ev, b, body, line, depth + 1) for b in (node.body, node.orelse)]
        return _paths(branches) or value
    if isinstance(node, ast.Name):
        before = [a for a in _assignments(node.id, body) if a.lineno < line]
        if before:  # the assignment the call sees last
            return _path_pattern(ev, before[-1].value, body, before[-1].lineno, depth + 1)
    return value


def _paths(values: list[Any]) -> tuple[str, ...]:
    return tuple(p for v in values if isinstance(v, (str, tuple))
                 for p in ((v,) if isinstance(v, str) else v))


def _tail_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("join", "Path", "str", "PurePath", "PosixPath")


def _assignments(name: str, body: list[ast.stmt]) -> list[ast.Assign]:
    """``name = ...`` statements of a scope, in source order."""
    found = [n for n in _walk(body) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _walk(body: list[ast.stmt]) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _dict_entries(ev: Evaluator, name: str, body: list[ast.stmt], line: int
                  ) -> dict[str, _Option]:
    """Keys a local dict passed as ``**name`` on ``line`` may hold: from the last
    ``name = {...}`` before it and the ``name["key"] = value`` in between; a key set only
    under a condition may be absent."""
    resets = [a.lineno for a in _assignments(name, body) if a.lineno < line]
    start = resets[-1] if resets else 0
    entries: dict[str, _Option] = {}
    conditional = _conditional_nodes(body)
    for node in sorted(_walk(body), key=lambda n: getattr(n, "lineno", 0)):
        if not (isinstance(node, ast.Assign) and start <= node.lineno < line) or len(
                node.targets) != 1:
            continue
        target = node.targets[0]
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(target, ast.Name) and target.id == name and isinstance(
                node.value, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.value.keys, node.value.values,
                                                  strict=True)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and (
                target.value.id == name) and isinstance(target.slice, ast.Constant) and (
                isinstance(target.slice.value, str)):
            pairs = [(target.slice.value, node.value)]
        for key, value in pairs:
            option = entries.setdefault(key, _Option())
            option.values.append(_value(ev, key, value, body, node.lineno))
            option.maybe_absent |= id(node) in conditional
    return entries


def _conditional_nodes(body: list[ast.stmt]) -> set[int]:
    """Statements of the scope that run only under a condition (or in a loop)."""
    found: set[int] = set()
    for node in _walk(body):
        if isinstance(node, _CONDITIONAL) and not isinstance(node, ast.With):
            found |= {id(n) for n in _walk(list(ast.iter_child_nodes(node)))}  # type: ignore[arg-type]
    return found
