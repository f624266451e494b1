"""How a step's task travels to Dask workers: in parts, and which modules go by value.

A step's ``StepTask`` is sent as a :class:`~flowplan.executor.dask_worker.Shipment`.  What
its steps have in common -- the step function, hooks, retry settings and type hints, the
run's and pipeline's part of its context -- is cloudpickled once per run and object, and
loaded once per worker process, by digest; what is the step's own -- its invocation, input
records and parameters, all flowplan's records and JSON values -- is pickled for each step,
with plain pickle (cloudpickle should anything there need it).  Per tiny step this was most of the
driver's work (cloudpickle asks about every object it meets).

Step code goes to the workers with cloudpickle: ``__main__`` by value (cloudpickle's rule),
and so is every module of the user's project that the workers cannot import by name from the
very same file -- a script run by path, a test module, a folder that is not on the workers'
path -- asked of the workers once per module and run.  Modules that are being imported while
they run the pipeline are shipped by value by the backend in any case.  Libraries (the
standard library, site-packages) and flowplan go by name: they must be installed on the
workers, as Dask requires.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import site
import sys
import sysconfig
import threading
from contextlib import ExitStack
from dataclasses import fields
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flowplan.executor.dask_worker import Shipment, module_origins

if TYPE_CHECKING:
    from flowplan.executor.runner import StepTask

# The fields of a step's task that steps share: sent as parts.
SHARED = (
    "func", "on_success", "on_failure", "retry", "annotations", "output_annotations",
    "run_info", "pipeline_info",
)  # fmt: skip


class ShippedModules:
    """Decides, once per module and session, whether cloudpickle ships a project module by
    value: yes unless every worker imports that name from the very same file."""

    def __init__(self) -> None:
        self._parts: dict[int, tuple[object, str, bytes]] = {}  # id -> (object, digest, pickle)
        self._decided: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._seen: tuple[int, str | None] = (-1, None)  # sys.modules when last decided

    def __enter__(self) -> ShippedModules:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def pack(self, task: StepTask, client: Any) -> Shipment:
        """``task`` as its worker receives it (see above)."""
        from flowplan.executor.worker_protocol import dumps

        with self._lock:
            now = _modules_now()
            if self._seen != now and not self._decided.keys() >= set(sys.modules):
                self._decide(client)  # modules were imported since
                now = _modules_now()
            self._seen = now
        shared: dict[str, str] = {}
        parts: dict[str, bytes] = {}
        own: dict[str, Any] = {}
        for name in _field_names():
            value = getattr(task, name)
            if value is None or name not in SHARED:
                own[name] = value
                continue
            digest, blob = self._part(value)
            shared[name] = digest
            parts[digest] = blob
        try:
            body = pickle.dumps(own, 5)
        except (pickle.PicklingError, TypeError, AttributeError):
            body = dumps(own)
        return Shipment(body, shared, parts)

    def _part(self, value: object) -> tuple[str, bytes]:
        """The digest and pickle of a shared object, made once per object and session."""
        from flowplan.executor.worker_protocol import dumps

        known = self._parts.get(id(value))
        if known is None or known[0] is not value:
            blob = dumps(value)
            known = (value, hashlib.blake2b(blob, digest_size=16).hexdigest(), blob)
            self._parts[id(value)] = known
        return known[1], known[2]

    def _decide(self, client: Any) -> None:
        from flowplan.executor.worker_protocol import pickled_by_value

        new: dict[str, ModuleType] = {}
        for name, module in list(sys.modules.items()):
            if name not in self._decided:
                if _is_project_module(module):
                    new[name] = module
                else:
                    self._decided[name] = False  # a library, or nothing to ship
        if new:
            importable = _importable_everywhere(client, new)
            for name, module in new.items():
                self._decided[name] = name not in importable
                if name not in importable:
                    self._stack.enter_context(pickled_by_value([module]))


@lru_cache(maxsize=1)
def _field_names() -> tuple[str, ...]:
    """The fields of ``StepTask`` that travel (its context is built where the step runs)."""
    from flowplan.executor.runner import StepTask

    return tuple(f.name for f in fields(StepTask) if f.name != "built_context")


def _modules_now() -> tuple[int, str | None]:
    """How many modules are imported, and the name of the latest: the same pair means no
    module was imported since (``sys.modules`` keeps names in the order they came)."""
    return len(sys.modules), next(reversed(sys.modules), None)


def _importable_everywhere(client: Any, modules: dict[str, ModuleType]) -> set[str]:
    """The names every worker imports from the same file as this process does."""
    answers = client.run(module_origins, sorted(modules))
    if not answers:
        return set()
    return {
        name
        for name, module in modules.items()
        if all(found.get(name) == _origin(module) for found in answers.values())
    }


def _origin(module: ModuleType) -> str | None:
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
    return os.path.realpath(origin) if isinstance(origin, str) else None


_PROJECT_MODULES: dict[str, tuple[ModuleType, bool]] = {}  # name -> (module, verdict)


def _is_project_module(module: object) -> bool:
    """A module of the user's code: not ``__main__`` (shipped by value anyway), not
    flowplan, not the standard library or an installed distribution (remembered)."""
    if not isinstance(module, ModuleType):
        return False
    name = module.__name__
    known = _PROJECT_MODULES.get(name)
    if known is not None and known[0] is module:
        return known[1]
    verdict = False
    if name not in ("__main__", "__mp_main__") and name.partition(".")[0] != "flowplan":
        origin = _origin(module) or ""
        verdict = origin.endswith(".py") and not origin.startswith(_library_folders())
    _PROJECT_MODULES[name] = (module, verdict)
    return verdict


@lru_cache(maxsize=1)
def _library_folders() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    folders.add(site.getusersitepackages())
    return tuple(os.path.realpath(f) + os.sep for f in folders if f)
