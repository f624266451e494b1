"""Which of the user's modules travel to Dask workers by value.

Step code goes to the workers with cloudpickle: ``__main__`` by value (cloudpickle's rule),
and so is every module of the user's project that the workers cannot import by name from the
very same file -- a script run by path, a test module, a folder that is not on the workers'
path -- asked of the workers once per module and run.  Modules that are being imported while
they run the pipeline are shipped by value by the backend in any case.  Libraries (the
standard library, site-packages) and flowplan go by name: they must be installed on the
workers, as Dask requires.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
import threading
from contextlib import ExitStack
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flowplan.executor.dask_worker import module_origins

if TYPE_CHECKING:
    from flowplan.executor.runner import StepTask


class ShippedModules:
    """Decides, once per module and session, whether cloudpickle ships a project module by
    value: yes unless every worker imports that name from the very same file."""

    def __init__(self) -> None:
        self._decided: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._seen: tuple[int, str | None] = (-1, None)  # sys.modules when last decided

    def __enter__(self) -> ShippedModules:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def dumps(self, task: StepTask, client: Any) -> bytes:
        from flowplan.executor.worker_protocol import dumps

        with self._lock:
            if self._seen != _modules_now() and not self._decided.keys() >= set(sys.modules):
                self._decide(client)  # modules were imported since
            self._seen = _modules_now()
        return dumps(task)

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
