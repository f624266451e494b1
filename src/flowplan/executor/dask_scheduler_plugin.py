"""The scheduler plugin of :mod:`flowplan.executor.dask_deaths`: a flowplan task whose worker
dies errs at once with ``KilledWorker`` instead of running again elsewhere.

This module imports nothing of flowplan: it travels to the scheduler by value.
"""

from __future__ import annotations

import sys
from typing import Any

from distributed.diagnostics.plugin import SchedulerPlugin

KEY_PREFIX = "flowplan-"
PLUGIN_NAME = "flowplan-one-run-per-worker"


class OneRunPerWorker(SchedulerPlugin):  # type: ignore[misc]  # distributed is untyped here
    """Scheduler plugin: a flowplan task whose worker dies errs at once (``KilledWorker``)."""

    name = PLUGIN_NAME
    idempotent = True

    def __init__(self) -> None:
        self.scheduler: Any = None

    async def start(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish != "processing" or not isinstance(key, str) or not key.startswith(KEY_PREFIX):
            return
        task = self.scheduler.tasks.get(key) if self.scheduler is not None else None
        if task is not None:  # one more death than allowed would err: this one will
            task.suspicious = max(task.suspicious, self.scheduler.allowed_failures)


def install(client: Any) -> None:
    """Register the plugin on the scheduler of ``client`` (once per scheduler)."""
    from flowplan.executor.worker_protocol import pickled_by_value

    with pickled_by_value([sys.modules[__name__]]):
        try:
            client.register_plugin(OneRunPerWorker(), name=PLUGIN_NAME)
        except AttributeError:  # distributed before 2023.9
            client.register_scheduler_plugin(OneRunPerWorker(), name=PLUGIN_NAME, idempotent=True)
