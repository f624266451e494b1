"""What FP802 counts as reading a nondeterministic source inside a step.

The clock, randomness (unless seeded), the network and the environment.  Two uses of the
environment are not reads of what the step computes: a write (``os.environ["X"] = "0"``,
``os.environ.setdefault(...)``) and a credential (``os.getenv("HF_TOKEN")``,
``os.environ["OPENAI_API_KEY"]``) -- a token decides who may fetch data, not which data a
given input yields.  Nor is a clock read whose value reaches only the log (a duration or a
timestamp printed or logged): the step's output does not depend on it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from flowplan.compiler.frontends.static.definitions import StepDef

# Qualified names read: an entry ending in "." covers everything under it.
SOURCES = {
    "the clock": ("time.time", "time.time_ns", "time.localtime", "time.gmtime", "time.ctime",
                  "time.asctime", "datetime.datetime.now", "datetime.datetime.utcnow",
                  "datetime.datetime.today", "datetime.date.today"),
    "randomness": ("random.", "numpy.random.", "secrets.", "uuid.uuid1", "uuid.uuid4",
                   "os.urandom"),
    "the environment": ("os.environ", "os.environb", "os.getenv", "os.getenvb"),
    "the network": ("requests.", "httpx.", "urllib.request.", "urllib3.", "http.client.",
                    "socket.", "aiohttp.", "ftplib.", "smtplib."),
}
ROOTS = frozenset(p.split(".")[0] for prefixes in SOURCES.values() for p in prefixes)
_SEEDS = frozenset({"random.seed", "numpy.random.seed"})
# Generators built from an explicit seed are deterministic.
_SEEDED = frozenset({"random.Random", "numpy.random.default_rng", "numpy.random.RandomState",
                     "numpy.random.Generator"})
_WRITERS = frozenset({"setdefault", "update", "pop", "popitem", "clear", "__setitem__"})
_LOGGER = re.compile(r"^(?:_*log(?:ger|ging)?|.*_log(?:ger)?)$", re.IGNORECASE)
_CREDENTIAL = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)


def _source(name: str | None) -> str | None:
    for what, prefixes in SOURCES.items():
        if name and any(name == p or (p[-1] == "." and name.startswith(p)) for p in prefixes):
            return what
    return None


def _key(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _harmless_environment(node: ast.expr, parents: dict[int, ast.AST]) -> bool:
    """A write to the environment, or a read of a credential."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.value is node:
        key = _key(parent.slice)
        return not isinstance(parent.ctx, ast.Load) or bool(key and _CREDENTIAL.search(key))
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if parent.attr in _WRITERS:
            return True
        if parent.attr == "get" and isinstance(call, ast.Call) and call.args:
            key = _key(call.args[0])
            return bool(key and _CREDENTIAL.search(key))
        return False
    if isinstance(parent, ast.Call) and parent.func is node and parent.args:
        key = _key(parent.args[0])
        return bool(key and _CREDENTIAL.search(key))
    return False


def reads(step: StepDef) -> Iterator[tuple[ast.expr, str, str]]:
    """Each expression of the step's body reading a nondeterministic source, in order."""
    facts = step.facts
    parents: dict[int, ast.AST] = {}
    body: list[ast.AST] = []
    for stmt in step.node.body:
        for node in ast.walk(stmt):
            body.append(node)
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
    nodes = [n for n in body if isinstance(n, (ast.Name, ast.Attribute))]
    names = {id(n): facts.qualified(n) for n in nodes}
    calls = [n for n in body if isinstance(n, ast.Call)]
    seeded = any(facts.qualified(n.func) in _SEEDS for n in calls)
    inner = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}
    inner |= {id(n.func) for n in calls if n.args and facts.qualified(n.func) in _SEEDED}
    logged = _only_logged(step.node, parents, facts.qualified)
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        name = names[id(node)] or ""
        what = None if id(node) in inner else _source(name)
        if what == "the environment" and _harmless_environment(node, parents):
            continue
        if what == "the clock" and logged(node):
            continue  # a duration or a timestamp for the log, not part of the output
        if what is not None and not (seeded and what == "randomness"):
            yield node, name, what


def _only_logged(func: ast.AST, parents: dict[int, ast.AST],
                 qualified: Callable[[ast.expr], str | None]) -> Callable[[ast.AST], bool]:
    """Whether a value read at a node reaches only logging calls (``print``, ``logger.*``,
    ``logging.*``) -- directly, through functions of it (``int(...)``,
    ``time.strftime(...)``) and through local variables assigned from it (``start =
    time.time()`` ... ``logger.info(f"{time.time() - start:.1f} s")``) -- and nothing else:
    not a return, a method call, an attribute, an item or a condition."""
    assigned: dict[str, list[ast.stmt | None]] = {}
    loads: dict[str, list[ast.Name]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                assigned.setdefault(node.id, []).append(_statement(node, parents))
            else:
                loads.setdefault(node.id, []).append(node)
    deciding: set[str] = set()

    def name_logged(name: str) -> bool:
        if name in deciding:
            return True  # a cycle (`t = t + 1`): decided by the other uses
        deciding.add(name)
        return all(isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                   for s in assigned.get(name, [])) and all(
            used(load) for load in loads.get(name, []))

    def used(node: ast.AST) -> bool:
        current = node
        while id(current) in parents:
            parent = parents[id(current)]
            if isinstance(parent, ast.Call) and current is not parent.func:
                if _logs(parent):
                    return True
                if not (isinstance(parent.func, ast.Name) or qualified(parent.func)):
                    return False  # a method of some object, which may keep the value
            if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
                return current is parent.value and all(
                    isinstance(t, ast.Name) and name_logged(t.id) for t in targets)
            if isinstance(parent, ast.stmt | ast.comprehension | ast.Lambda):
                return False
            current = parent
        return False

    return used


def _statement(node: ast.AST, parents: dict[int, ast.AST]) -> ast.stmt | None:
    while not isinstance(node, ast.stmt) and id(node) in parents:
        node = parents[id(node)]
    return node if isinstance(node, ast.stmt) else None


def _logs(call: ast.Call) -> bool:
    """``print(...)``, ``logging.info(...)``, ``logger.warning(...)``, ``self.log.debug(...)``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in ("print", "log")
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    while isinstance(owner, ast.Attribute):
        if _LOGGER.search(owner.attr):
            return True
        owner = owner.value
    return isinstance(owner, ast.Name) and bool(_LOGGER.search(owner.id))
