"""Which Dask cluster a run uses, if any -- cheap to ask, so every run may ask it.

Kept apart from :mod:`flowplan.executor.dask_backend`, which a local run never imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowplan.env import env_value
from flowplan.project import find_project_root, has_project_table

if TYPE_CHECKING:
    from flowplan.compiler.settings import OrchestratorSettings


@dataclass(frozen=True)
class DaskTarget:
    """Where a run's steps go: the scheduler at ``address``, or (None) a LocalCluster of
    ``n_workers`` started for the run."""

    address: str | None
    n_workers: int


def dask_target(settings: OrchestratorSettings, cpus: int) -> DaskTarget | None:
    """The Dask cluster a run uses, or None when the local orchestrator runs it."""
    n_workers = min(settings.max_workers or cpus, cpus)
    if settings.dask_address:
        return DaskTarget(settings.dask_address, n_workers)
    if env_value("ORCHESTRATOR") is None and not has_project_table(find_project_root()):
        return None  # a project without [tool.flowplan] is not parsed
    from flowplan.project import current_settings

    project = current_settings()
    if project.orchestrator != "dask":
        return None
    return DaskTarget(project.dask_address or None, n_workers)
