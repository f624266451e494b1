"""The active stack (DESIGN decision 11): the local store, an orchestrator and an alerter.

Resolved each time it is asked for -- from ``[tool.flowplan]`` and ``FLOWPLAN_*`` variables
(see :mod:`flowplan.project`) -- never once at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowplan.alerters import BaseAlerter, alerter_for
from flowplan.project import ProjectSettings, project_settings
from flowplan.store.location import resolve_home


@dataclass(frozen=True)
class Stack:
    name: str
    orchestrator: str
    alerter: BaseAlerter
    home: Path
    settings: ProjectSettings

    def __repr__(self) -> str:
        return (
            f"<Stack {self.name}: orchestrator={self.orchestrator} "
            f"alerter={self.alerter.flavor} home={self.home}>"
        )


def active_stack(home: Path | None = None, start: Path | None = None) -> Stack:
    """The stack of the project around ``start`` (default: the current directory)."""
    settings = project_settings(start)
    return Stack(
        name="default",
        orchestrator=settings.orchestrator,
        alerter=alerter_for(settings),
        home=home if home is not None else resolve_home(start),
        settings=settings,
    )
