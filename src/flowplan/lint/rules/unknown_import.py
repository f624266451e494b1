"""FP011 unknown-import: an import of a flowplan module or name that does not exist."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator

from flowplan.analyzer.blocks import SIMPLE_STATEMENTS
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule
from flowplan.messages import closest, files

_ROOT = "flowplan"


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _has(module: str, name: str) -> bool:
    """Whether ``from module import name`` finds something (an attribute or a submodule)."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return False
    return hasattr(found, name) or _module_exists(f"{module}.{name}")


def _close(module: str, name: str | None) -> str | None:
    """The likely meaning: ``flowplan.steps.step`` -> ``flowplan.step``."""
    top = importlib.import_module(_ROOT)
    known = [n for n in dir(top) if not n.startswith("_")]
    wanted = name or module.rsplit(".", 1)[-1]
    if wanted in known:
        return f"{_ROOT}.{wanted}"
    match = closest(wanted, known)
    return f"{_ROOT}.{match}" if match else None


def _nested_imports_possible(text: str) -> bool:
    """Whether an import statement may sit below the top level: the word ``import`` or
    ``from`` starting an indented line, or following the colon of a one-line compound
    statement or a semicolon.  (A match in a string or a comment only costs a full walk.)"""
    for word in ("import", "from"):
        at = text.find(word)
        while at != -1:
            before = text[text.rfind("\n", 0, at) + 1:at]
            stripped = before.rstrip(" \t")
            if (before and not stripped) or stripped.endswith((":", ";")):
                return True
            at = text.find(word, at + len(word))
    return False


def _imports(body: list[ast.stmt], nested: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth when ``nested`` (expressions are skipped)."""
    if not nested:
        yield from (s for s in body if isinstance(s, ast.Import | ast.ImportFrom))
        return
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if isinstance(node, SIMPLE_STATEMENTS):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(node.body)
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, name, None) or [])


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    tree = ctx.source.tree
    if tree is None:
        return
    for node in _imports(tree.body, _nested_imports_possible(ctx.source.text)):
        problem: tuple[str, str | None] | None = None
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == _ROOT and not _module_exists(alias.name):
                    problem = (alias.name, _close(alias.name, None))
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                node.module.split(".")[0] == _ROOT):
            if not _module_exists(node.module):
                first = node.names[0].name if node.names else None
                problem = (node.module, _close(node.module, first))
            else:
                for alias in node.names:
                    if alias.name != "*" and not _has(node.module, alias.name):
                        problem = (f"{node.module}.{alias.name}", _close(node.module, alias.name))
        if problem is not None:
            path, line, column = ctx.source.where(node)
            yield files.unknown_import(problem[0], problem[1], path, line or 1, column or 1)


RULE = Rule(
    name="unknown-import",
    codes=("FP011",),
    summary="an import names a flowplan module that does not exist",
    rationale="""
        An import that fails stops the whole file: none of its steps or pipelines can run,
        and a run reports an `ImportError` only when it gets there.  flowplan's API lives
        in the `flowplan` package itself; module paths of other libraries rewritten
        mechanically (`zenml.steps` -> `flowplan.steps`) do not exist.  Imports spelled
        `zenml` are ZenML's and are left alone.
    """,
    check=check,
    valid=(
        """
        import flowplan
        from flowplan import pipeline, step
        from flowplan.client import Client

        @step
        def load() -> int:
            return 1

        @pipeline
        def training() -> None:
            load()
        """,
    ),
    invalid=(
        """
        from flowplan.steps import step  # expect: FP011:1
        from flowplan import pipline  # expect: FP011:1
        import flowplan.pipelines.base  # expect: FP011:1

        @step
        def load() -> int:
            return 1
        """,
        """
        from flowplan import step

        @step
        def load() -> int:
            from flowplan.steps import Output  # expect: FP011:5
            return 1

        if True: import flowplan.nothing  # expect: FP011:10
        """,
    ),
)
