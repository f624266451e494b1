"""Steps whose Dask worker process dies while they run: ``retry`` decides, not Dask.

By itself, Dask runs a task whose worker died again on another worker, up to
``distributed.scheduler.allowed-failures`` times (default 3): a step that kills its worker
(a segfault, ``os._exit``, the nanny's memory limit) would take four workers down, ignore its
``retry`` and fail the healthy steps that shared those workers with ``KilledWorker``.

A run therefore installs :class:`~flowplan.executor.dask_scheduler_plugin.OneRunPerWorker`
on the scheduler (shipped by value: the scheduler needs no flowplan).  For flowplan's tasks
only -- keys ``flowplan-…`` -- it makes the first death of the worker running a task final:
the task errs with ``KilledWorker`` at once.  The driver then decides, per step:

* the death counts as a failed attempt of the step (``FP560``, recorded with the others),
  retried after the step's ``delay`` like any failed attempt, or failing the step (and
  running its failure hook, on the driver) when none is left;
* except that a step that lost its worker together with other flowplan steps is not always
  to blame: a process that dies takes every task running in it along.  A step that dies
  alone, or that has killed a worker before, is charged; a step lost beside such a known
  killer is run again without charge; when none of those lost is known, each of them is run
  again (at most ``SPARED`` times without charge), one suspect at a time, so that the
  killer soon dies alone and is known.  A healthy step that shared a worker with a step that
  kills workers is therefore run again (its work is done again -- what Dask forces), not
  failed, while the killer is charged for each of its deaths from the first it dies alone.

Graceful worker shutdowns (``retire_workers``, scaling down) are not deaths: Dask moves those
tasks elsewhere and nothing is counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from flowplan.executor.runner import Attempt, StepResult, StepTask, wait_or_stop
from flowplan.messages import runtime

GRACE = 0.5  # seconds for the other tasks lost with the same worker to report
SPARED = 2  # deaths of a step among others, none known to kill, that are not charged


@dataclass
class Died:
    """A task of a step whose worker process died while the task was there."""

    worker: str
    started: float
    ended: float


class Deaths:
    """Which steps each dead worker took along, and which steps are known to kill their
    worker (shared by the run's step threads)."""

    def __init__(self) -> None:
        self._lost: dict[str, set[str]] = {}
        self._killers: set[str] = set()
        self._lock = threading.Lock()
        self.one_suspect = threading.Lock()

    def record(self, worker: str, step_id: str) -> None:
        with self._lock:
            self._lost.setdefault(worker, set()).add(step_id)

    def blame(self, worker: str, step_id: str, *, spared: int) -> bool | None:
        """Whether the death of ``worker`` is charged to ``step_id``: True when it died alone
        or is a known killer, False beside a known killer, None when nobody is known
        (a suspect: it runs again, alone among suspects).  Asked after the grace period."""
        time.sleep(GRACE)
        with self._lock:
            others = self._lost.get(worker, set()) - {step_id}
            if others & self._killers and step_id not in self._killers:
                return False
            if not others or step_id in self._killers or spared >= SPARED:
                self._killers.add(step_id)
                return True
            return None


def run_with_deaths(
    task: StepTask,
    once: Callable[[StepTask], StepResult | Died],
    deaths: Deaths,
    should_stop: Callable[[], bool],
) -> StepResult:
    """Run ``task`` with ``once`` until it returns, counting worker deaths charged to it as
    attempts (see the module docstring); the attempts of the result are numbered after them."""
    step_id = task.invocation.id
    total = task.retry.attempts if task.retry else 1
    lost: list[Attempt] = []
    spared, suspect = 0, False
    current = task
    while True:
        if suspect:  # suspects run again one at a time, so no two of them share a worker
            with deaths.one_suspect:
                outcome = once(current)
        else:
            outcome = once(current)
        if not isinstance(outcome, Died):
            break
        charged = deaths.blame(outcome.worker, step_id, spared=spared)
        suspect = charged is None
        if not charged:
            spared += suspect
            continue
        number = len(lost) + 1
        message = runtime.worker_died(step_id, outcome.worker, number, total).format()
        lost.append(Attempt(number, outcome.started, outcome.ended, message))
        if number >= total:
            return _gave_up(task, lost)
        assert task.retry is not None
        if wait_or_stop(task.retry.wait_before(number), should_stop):
            return StepResult(id=step_id, ok=False, stopped=True, attempts=lost)
        current = replace(task, retry=replace(task.retry, max_retries=total - number - 1))
    renumbered = [a._replace(number=a.number + len(lost)) for a in outcome.attempts]
    outcome.attempts[:] = [*lost, *renumbered]
    return outcome


def _gave_up(task: StepTask, lost: list[Attempt]) -> StepResult:
    """The failed result of a step whose last attempt died with its worker; its failure hook
    runs here, on the driver, since no worker survived to run it."""
    from flowplan.executor.context import step_context
    from flowplan.executor.hook_calls import run_failure_hook

    error = lost[-1].error or ""
    with step_context(task):
        warnings = run_failure_hook(task.on_failure, task.invocation.id, WorkerDied(error))
    return StepResult(
        id=task.invocation.id, ok=False, attempts=lost, error=error, warnings=warnings
    )


class WorkerDied(RuntimeError):
    """What a failure hook receives for a step whose Dask worker process died."""
