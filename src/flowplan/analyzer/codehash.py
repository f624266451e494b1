"""The code part of a step's cache key (DESIGN decision 7), from source, with :mod:`ast`.

A step's hash covers its normalised code -- ``ast.dump`` without positions, so comments, blank
lines and formatting do not count, with docstrings removed and the step's decorators left out --
and, for every module-level name it reads, the normalised source of the statements that bind
that name, transitively through the helpers, classes and constants those statements read.
Names bound nowhere in the module (builtins, star imports) contribute their name only.
Scoping is resolved conservatively: when in doubt a name counts as module-level, so an edit
can make a cache miss needlessly but never a stale hit.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from collections.abc import Iterable

from flowplan.analyzer.blocks import statement_blocks

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (
    *_DEFS,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


class ModuleIndex:
    """Every function of a module (with qualnames) and what each module-level name is bound by.

    Building the index removes docstrings from the tree, which it owns from then on.
    """

    def __init__(self, tree: ast.Module) -> None:
        self.functions: list[tuple[str, FunctionNode]] = []
        self._bindings: dict[str, list[ast.AST]] = {}
        self._dumps: dict[int, str] = {}
        self._refs: dict[int, frozenset[str]] = {}
        self._walk(tree.body, "")
        self._bind(tree.body)

    def _walk(self, body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, (*_DEFS, ast.ClassDef)):
                _strip_docstring(stmt)
                qualname = prefix + stmt.name
                if isinstance(stmt, ast.ClassDef):
                    self._walk(stmt.body, qualname + ".")
                else:
                    self.functions.append((qualname, stmt))
                    self._walk(stmt.body, qualname + ".<locals>.")
            else:
                for block in statement_blocks(stmt):
                    self._walk(block, prefix)

    def _bind(self, body: list[ast.stmt]) -> None:
        """Record the module-level statements binding each name (not inside defs or classes)."""
        for stmt in body:
            if isinstance(stmt, (*_DEFS, ast.ClassDef)):
                self._add(stmt.name, stmt)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    self._add_import(stmt, alias)
            else:
                for name in _target_names(stmt):
                    self._add(name, stmt)
                for block in statement_blocks(stmt):
                    self._bind(block)

    def _add(self, name: str, node: ast.AST) -> None:
        self._bindings.setdefault(name, []).append(node)

    def _add_import(self, stmt: ast.Import | ast.ImportFrom, alias: ast.alias) -> None:
        if alias.name == "*":
            return
        # Hash only this alias, so adding an unrelated name to the import changes nothing.
        single: ast.AST
        if isinstance(stmt, ast.Import):
            single = ast.Import(names=[alias])
        else:
            single = ast.ImportFrom(module=stmt.module, names=[alias], level=stmt.level)
        self._add(alias.asname or alias.name.split(".")[0], single)

    def code_hash(self, func: FunctionNode) -> str:
        """sha256 hex of the step's normalised code and of the module-level code it uses."""
        names = self._closure(func)
        digest = hashlib.sha256()
        bare = copy.copy(func)
        bare.decorator_list = []
        digest.update(normalised(bare).encode())
        for name in sorted(names):
            digest.update(b"\0name\0" + name.encode())
            for node in self._bindings.get(name, ()):
                if node is not func:
                    digest.update(b"\0def\0" + self._dump(node).encode())
        return digest.hexdigest()

    def _closure(self, func: FunctionNode) -> set[str]:
        todo = list(free_names(func) | _loads(_outer_parts(func, decorators=False)))
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for node in self._bindings.get(name, ()):
                if node is not func:
                    todo.extend(self._references(node))
        return seen

    def _references(self, node: ast.AST) -> frozenset[str]:
        key = id(node)
        if key not in self._refs:
            if isinstance(node, _SCOPES):
                refs = free_names(node) | _loads(_outer_parts(node, decorators=True))
            else:
                refs = _loads([node])
            self._refs[key] = frozenset(refs)
        return self._refs[key]

    def _dump(self, node: ast.AST) -> str:
        key = id(node)  # nodes live as long as the index: ids are not reused meanwhile
        if key not in self._dumps:
            self._dumps[key] = normalised(node)
        return self._dumps[key]


def normalised(node: ast.AST) -> str:
    """The node without positions: formatting and comments do not show."""
    try:
        return ast.dump(node)
    except RecursionError:  # absurdly deep expressions: an iterative, flatter rendering
        parts = []
        for sub in ast.walk(node):
            fields = [(k, v) for k, v in ast.iter_fields(sub) if not isinstance(v, ast.AST)]
            shown = [(k, len(v) if _has_nodes(v) else v) for k, v in fields]
            parts.append(f"{type(sub).__name__}{shown}")
        return "".join(parts)


def _has_nodes(value: object) -> bool:
    return isinstance(value, list) and any(isinstance(v, ast.AST) for v in value)


def _strip_docstring(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
    first = node.body[0] if node.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        node.body = node.body[1:]


def _target_names(stmt: ast.stmt) -> set[str]:
    """Names a module-level statement binds (or mutates, for ``X[k] = v`` and ``X.a = v``)."""
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    names: set[str] = set()
    for target in targets:
        for node in ast.walk(target):
            if not isinstance(getattr(node, "ctx", None), ast.Store):
                continue
            root = node
            while isinstance(root, (ast.Attribute, ast.Subscript, ast.Starred)):
                root = root.value
            if isinstance(root, ast.Name):
                names.add(root.id)
    return names


def _outer_parts(node: ast.AST, *, decorators: bool) -> list[ast.AST]:
    """The parts of a scope evaluated in the enclosing scope: defaults, annotations, bases..."""
    parts: list[ast.AST | None] = []
    if isinstance(node, (*_DEFS, ast.Lambda)):
        args = node.args
        parts += [*args.defaults, *args.kw_defaults]
        if not isinstance(node, ast.Lambda):
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            parts += [a.annotation for a in every if a is not None]
            parts.append(node.returns)
    if isinstance(node, ast.ClassDef):
        parts += [*node.bases, *node.keywords]
    if isinstance(node, (*_DEFS, ast.ClassDef)) and decorators:
        parts += node.decorator_list
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        parts.append(node.generators[0].iter)
    return [p for p in parts if p is not None]


class _Scan:
    """Names read, bound and declared global in one scope, plus the free names of its children."""

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nested: set[str] = set()

    def run(self, roots: Iterable[ast.AST]) -> _Scan:
        stack = list(roots)
        while stack:
            node = stack.pop()
            if isinstance(node, _SCOPES):
                if isinstance(node, (*_DEFS, ast.ClassDef)):
                    self.bound.add(node.name)
                stack.extend(_outer_parts(node, decorators=True))
                self.nested |= free_names(node)
                continue
            self._note(node)
            stack.extend(ast.iter_child_nodes(node))
        return self

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            (self.loads if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)
        elif isinstance(node, ast.Global):
            self.globals.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            self.loads.update(node.names)
        elif isinstance(node, ast.alias) and node.name != "*":
            self.bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            self.bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.bound.add(node.rest)


def free_names(scope: ast.AST) -> set[str]:
    """Names a scope (def, lambda, class, comprehension) reads without binding them itself."""
    scan = _Scan()
    if isinstance(scope, (*_DEFS, ast.Lambda)):
        args = scope.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        scan.bound.update(a.arg for a in every if a is not None)
        scan.run(scope.body if isinstance(scope.body, list) else [scope.body])
    elif isinstance(scope, ast.ClassDef):
        # Class-level bindings are invisible to methods; keep every read (conservative).
        return scan.run(scope.body).loads | scan.nested | scan.globals
    elif isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        for i, gen in enumerate(scope.generators):
            scan.run([gen.target, *gen.ifs, *([gen.iter] if i else [])])
        elts = [scope.key, scope.value] if isinstance(scope, ast.DictComp) else [scope.elt]
        scan.run(elts)
    return ((scan.loads | scan.nested) - (scan.bound - scan.globals)) | scan.globals


def _loads(roots: Iterable[ast.AST]) -> set[str]:
    scan = _Scan().run(roots)
    return scan.loads | scan.nested | scan.globals
