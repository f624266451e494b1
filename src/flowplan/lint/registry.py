"""The rule registry: every rule is one module of :mod:`flowplan.lint.rules` exposing ``RULE``.

A rule names the code(s) it reports, says why they matter, and carries VALID and INVALID
examples -- source files whose problems are marked inline with ``# expect: FPxxx`` (``:col``
optional).  The examples are the rule's documentation (``flow rule FPxxx``, docs/rules.md)
and its tests (tests/lint/test_rules.py checks every one).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Union

from flowplan.codes import CATALOG, Code
from flowplan.diagnostics import Diagnostic

if TYPE_CHECKING:
    import libcst

    from flowplan.lint.context import FileContext

EXAMPLE_FILE = "example.py"
MARKER = re.compile(r"#\s*expect:(.*)$")
TOKEN = re.compile(r"\b(FP\d{3})(?::(\d+))?")

Example = Union[str, Mapping[str, str]]  # noqa: UP007 -- a runtime alias
Check = Callable[["FileContext"], Iterable[Diagnostic]]
Fix = Callable[["libcst.Module", list[Diagnostic]], "libcst.Module"]

RULE_MODULES = (
    "syntax_error",
    "unknown_import",
    "project_settings",
    "run_configuration",
    "missing_annotation",
    "step_outputs",
    "step_definition",
    "invalid_hook",
    "invalid_retry",
    "decorator_options",
    "call_arguments",
    "invocation_graph",
    "artifact_inputs",
    "artifact_as_value",
    "unpack_outputs",
    "pipeline_calls",
    "empty_pipeline",
    "parameters",
    "pipeline_configuration",
    "artifact_name_placeholder",
    "step_name_alias",
    "nondeterministic_cached_step",
    "mutable_default",
    "step_call_at_import",
)


@dataclass(frozen=True)
class Rule:
    """One rule: its codes, what it is for, its examples, and how it checks a file."""

    name: str
    codes: tuple[str, ...]
    summary: str
    rationale: str
    check: Check
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()
    fix: Fix | None = None
    module: str = field(default="", compare=False)

    @property
    def entries(self) -> list[Code]:
        return [CATALOG[c] for c in self.codes]

    def examples_for(self, code: str) -> list[dict[str, str]]:
        """The INVALID examples (as files) whose markers include ``code``."""
        return [f for f in map(example_files, self.invalid) if code in expected_codes(f)]


def example_files(example: Example) -> dict[str, str]:
    """An example as ``{file name: text}`` (a bare string is one Python file)."""
    if isinstance(example, str):
        return {EXAMPLE_FILE: textwrap.dedent(example).lstrip("\n")}
    return {name: textwrap.dedent(text).lstrip("\n") for name, text in example.items()}


def expected(files: Mapping[str, str]) -> set[tuple[str, str, int, int | None]]:
    """``(file, code, line, column)`` for every ``# expect:`` marker of an example."""
    marks = set()
    for name, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                for code, column in TOKEN.findall(match.group(1)):
                    marks.add((name, code, number, int(column) if column else None))
    return marks


def expected_codes(files: Mapping[str, str]) -> set[str]:
    return {code for _, code, _, _ in expected(files)}


@cache
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(f"flowplan.lint.rules.{name}")
        rule: Rule = module.RULE
        rules.append(dataclasses.replace(rule, module=module.__name__))
    return tuple(rules)


@cache
def rule_for(code: str) -> Rule | None:
    """The rule that reports ``code``."""
    return next((r for r in all_rules() if code in r.codes), None)
