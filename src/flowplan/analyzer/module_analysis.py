"""The result of analysing one module: a ``StepSignature`` for every function in it.

Kept apart from the libcst code so that a warm cache can rebuild it without importing libcst.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flowplan.analyzer.signature import StepSignature
from flowplan.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class ModuleAnalysis:
    """Every function def of a module (top-level and nested), each with its signature.

    ``functions`` is keyed by qualname (``outer.<locals>.inner``; a name defined twice keeps
    the later def, as Python does); ``by_line`` by the def's first line, which is the line of
    its first decorator, like ``co_firstlineno``.  When the module does not parse,
    ``syntax_error`` holds an FP001 diagnostic and both mappings are empty.
    """

    path: str
    functions: dict[str, StepSignature] = field(default_factory=dict)
    by_line: dict[int, StepSignature] = field(default_factory=dict)
    syntax_error: Diagnostic | None = None

    @classmethod
    def of(
        cls, path: str, signatures: Sequence[StepSignature], syntax_error: Diagnostic | None = None
    ) -> ModuleAnalysis:
        functions = {sig.qualname: sig for sig in signatures}
        by_line = {sig.line: sig for sig in signatures if sig.line is not None}
        return cls(path, functions, by_line, syntax_error)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "signatures": [sig.to_json() for sig in self.by_line.values()],
            "syntax_error": None if self.syntax_error is None else self.syntax_error.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleAnalysis:
        error = data["syntax_error"]
        return cls.of(
            data["path"],
            [StepSignature.from_json(sig) for sig in data["signatures"]],
            None if error is None else diagnostic_from_json(error),
        )


def diagnostic_from_json(data: dict[str, Any]) -> Diagnostic:
    fields = dict(data)
    fields["severity"] = Severity(fields["severity"])
    fields["notes"] = tuple(fields.get("notes", ()))
    return Diagnostic(**fields)
