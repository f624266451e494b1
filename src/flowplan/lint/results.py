"""What checking one file found -- kept apart from the checker, so that reading cached
results imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowplan.diagnostics import Diagnostic


@dataclass
class FileResult:
    """What checking one file found; ``depends`` maps each file read to its digest."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    depends: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "depends": self.depends,
        }
