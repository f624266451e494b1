"""What a run checks on a Dask cluster before any step runs.

- The artifact store is one every worker process can reach: a process-local one
  (``memory://``) is refused (``FP558``).
- Every worker finds the store's marker where it would write (``FP557``, see
  :mod:`flowplan.store.identity`): a worker on another machine whose folder at the store's
  path is another folder, or whose mount of ``artifact-url`` is another place, never writes
  outputs the driver cannot read.
- At least one worker is there: an empty cluster is waited for, with a message, up to
  ``dask-worker-timeout`` seconds (``FP556``).
- Some worker offers the resources each step asks for (``FP559``); Dask would otherwise
  wait for one forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError, FlowplanError
from flowplan.executor.dask_worker import ArtifactLocation, location_error, location_problem
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan
    from flowplan.store.local import LocalStore

WORKER_TIMEOUT = 60.0  # seconds an empty cluster is waited for, unless configured
DASHBOARD_TIMEOUT = 2.0  # seconds to learn whether the scheduler serves its dashboard


def artifact_location(store: LocalStore) -> ArtifactLocation:
    """Where the workers write, marked with the store's identity (``FP558`` for ``memory://``)."""
    from flowplan.store.identity import mark
    from flowplan.store.remote import RemoteArtifactStore

    artifacts = store.artifacts
    url = artifacts.url if isinstance(artifacts, RemoteArtifactStore) else None
    if isinstance(artifacts, RemoteArtifactStore) and artifacts.process_local:
        raise ConfigError(runtime.dask_process_local_store(url))
    identity = store.store_id()
    mark(artifacts, identity)
    return ArtifactLocation(str(store.home), url, identity)


def check_locations(client: Any, location: ArtifactLocation) -> None:
    """``FP557`` when any worker would write somewhere the driver cannot read."""
    answers: dict[str, str | None] = client.run(location_problem, location)
    problems = {worker: text for worker, text in answers.items() if text is not None}
    if problems:
        raise location_error(problems)


def announce_dashboard(client: Any) -> None:
    """Print the cluster's dashboard link, unless the scheduler serves none (its web server
    answers 404 there: started with ``--no-dashboard``, or without bokeh)."""
    try:
        if "dashboard" not in scheduler_info(client).get("services", {}):
            return
        link = str(client.dashboard_link)
    except Exception:
        return
    if _served(link):
        print(f"Dask dashboard: {link}", flush=True)


def _served(link: str) -> bool:
    """False when ``link`` answers 404; True otherwise (a link we cannot reach may still be
    reachable from the user's browser)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(link, timeout=DASHBOARD_TIMEOUT):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    except (OSError, ValueError):
        return True


def worker_timeout() -> float:
    """``dask-worker-timeout`` of the project settings, else ``WORKER_TIMEOUT``."""
    from flowplan.env import env_value
    from flowplan.project import find_project_root, has_project_table

    if env_value("DASK_WORKER_TIMEOUT") is None and not has_project_table(find_project_root()):
        return WORKER_TIMEOUT
    from flowplan.project import current_settings

    configured = current_settings().dask_worker_timeout
    return WORKER_TIMEOUT if configured is None else configured


def wait_for_workers(client: Any, address: str) -> dict[str, Any]:
    """The cluster's workers (``scheduler_info()["workers"]``), waiting for the first one
    when there is none yet (``FP556`` after the timeout)."""
    workers: dict[str, Any] = scheduler_info(client)["workers"]
    if workers:
        return workers
    timeout = worker_timeout()
    print(
        f"The Dask scheduler at {address} has no workers: waiting up to {timeout:g} s for "
        "one to join (start one with `dask worker " + address + "`)",
        flush=True,
    )
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise FlowplanError(runtime.dask_no_workers(address, timeout)) from None
    workers = scheduler_info(client)["workers"]
    return workers


def scheduler_info(client: Any) -> dict[str, Any]:
    """The scheduler's description of the cluster, every worker included."""
    try:
        info: dict[str, Any] = client.scheduler_info(n_workers=-1)
    except TypeError:  # distributed before 2025 lists every worker anyway
        info = client.scheduler_info()
    return info


def step_resources(plan: Plan) -> dict[str, dict[str, float]]:
    """The Dask resources each step asks for (from its ``resources`` settings)."""
    from flowplan.compiler.settings import resource_settings

    found = {}
    for inv in plan.invocations:
        wanted = resource_settings(inv.config.settings, plan.config.settings).dask_resources()
        if wanted:
            found[inv.id] = wanted
    return found


def check_resources(wanted: dict[str, dict[str, float]], workers: dict[str, Any]) -> None:
    """``FP559`` for the steps that no worker of the cluster can take."""
    offered = [w.get("resources") or {} for w in workers.values()]
    unmet = {
        step: needs
        for step, needs in wanted.items()
        if not any(all(have.get(k, 0) >= v for k, v in needs.items()) for have in offered)
    }
    if unmet:
        listed = "; ".join(
            f"`{step}` needs " + ", ".join(f"{k}={v:g}" for k, v in needs.items())
            for step, needs in sorted(unmet.items())
        )
        have = "; ".join(
            ", ".join(f"{k}={v:g}" for k, v in sorted(o.items())) or "none" for o in offered
        )
        raise ConfigError(runtime.dask_resources_unavailable(listed, have))
