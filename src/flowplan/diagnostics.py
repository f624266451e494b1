"""One diagnostic type, one exception family.

Every problem flowplan finds -- in a step definition, a pipeline's wiring, a config file, the
store -- is a :class:`Diagnostic` with a stable ``FPxxx`` code, a location and a fix hint.  The
library raises diagnostics inside a :class:`FlowplanError`; ``flow check`` prints them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """A problem with a stable code, a location, what is wrong and how to fix it."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = Severity.ERROR
    fix: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    why: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: What the message speaks of, as data (tools need not parse the text); for a cycle
    #: (FP201), the steps around it in order, the first repeated at the end.
    subjects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.subjects, tuple):  # read back from JSON as a list
            object.__setattr__(self, "subjects", tuple(self.subjects))

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """The one-line form: ``path:line:col: FPxxx message``."""
        where = self.location
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.code} {self.message}"

    def render(self) -> str:
        """The long form: the one-liner, the source line with a caret, why, help and see."""
        lines = [f"{self.severity.value}: {self.format()}"]
        source = self.source_line()
        if source is not None and self.line is not None:
            gutter = str(self.line)
            lines.append(f" {gutter} | {source.rstrip()}")
            col = max((self.column or 1) - 1, 0)
            width = 1
            if self.end_line == self.line and self.end_column and self.column:
                width = max(self.end_column - self.column, 1)
            lines.append(f" {' ' * len(gutter)} | {' ' * col}{'^' * width}")
        if self.why:
            lines.append(f"  why: {self.why}")
        lines.extend(f"  note: {note}" for note in self.notes)
        if self.fix:
            lines.append(f"  help: {self.fix}")
        lines.append(f"  see: flow rule {self.code}")
        return "\n".join(lines)

    def source_line(self) -> str | None:
        if self.path is None or self.line is None:
            return None
        import linecache  # (with :mod:`tokenize`: loaded when a diagnostic is shown)

        text = linecache.getline(self.path, self.line)
        return text or None

    def with_location(self, path: str | None, line: int | None, column: int | None) -> Diagnostic:
        return replace(self, path=path, line=line, column=column)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["notes"] = list(self.notes)
        if self.subjects:
            data["subjects"] = list(self.subjects)
        else:
            del data["subjects"]
        return data

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.code)


class FlowplanError(Exception):
    """Base of every error flowplan raises. Carries one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__(self._message())

    @property
    def diagnostic(self) -> Diagnostic:
        """The first (by location) diagnostic."""
        return self.diagnostics[0]

    @property
    def code(self) -> str:
        return self.diagnostic.code

    def _message(self) -> str:
        if not self.diagnostics:
            return "flowplan error"
        head = self.diagnostics[0]
        text = head.format()
        if head.fix:
            text += f" (help: {head.fix})"
        if len(self.diagnostics) > 1:
            rest = "\n".join(d.format() for d in self.diagnostics[1:])
            text += f"\n{len(self.diagnostics) - 1} more problem(s):\n{rest}"
        return text

    def render(self) -> str:
        return "\n\n".join(d.render() for d in self.diagnostics)


class CompileError(FlowplanError, TypeError):
    """A step or pipeline definition, its wiring or its configuration is wrong."""


class ConfigError(FlowplanError, ValueError):
    """A configuration file or setting is wrong."""


class StoreError(FlowplanError, OSError):
    """The artifact or metadata store refused an operation."""


class StepContextError(FlowplanError, RuntimeError):
    """``get_step_context()`` was called outside a running step or hook."""


def errors_only(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def raise_if_errors(
    diagnostics: Iterable[Diagnostic], exc_type: type[FlowplanError] = CompileError
) -> None:
    """Raise every error-severity diagnostic at once (all problems, never first-error-wins)."""
    errors = errors_only(diagnostics)
    if errors:
        raise exc_type(errors)
