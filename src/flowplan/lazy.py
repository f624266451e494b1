"""Re-exports that load on first use, so that importing a package stays cheap."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Collection, Mapping
from types import ModuleType
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path) on first use."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__


class LazyModule(ModuleType):
    """Stands for a submodule until one of its names is used, then loads it and answers
    from it.  ``from package import submodule`` binds this stand-in when the package's
    ``__getattr__`` (:func:`lazy_submodules`) hands it out: the submodule itself loads only
    where it is used, and once it has, the package names the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


def lazy_submodules(package: str, names: Collection[str]) -> Callable[[str], Any]:
    """A package ``__getattr__`` that hands out a :class:`LazyModule` for each submodule in
    ``names`` not loaded yet (a loaded one is an attribute of the package already)."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = sys.modules.get(f"{package}.{name}")
        return loaded if loaded is not None else LazyModule(f"{package}.{name}")

    return __getattr__


class StandIn(ModuleType):
    """Stands for module ``name`` in one standard module that imports it at its top but seldom
    needs it (:func:`import_standing_in`).  ``answers`` are the few names that module uses
    as it loads, answered as the real module would; the first use of any other name loads the
    real module (imported then, as ever) and gives it to ``owner`` in the stand-in's place."""

    def __init__(self, name: str, owner: str, answers: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.__dict__.update(answers)
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:  # asked while the owner still loads
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        owner = sys.modules.get(self._owner)
        if owner is not None and owner.__dict__.get(self.__name__) is self:
            setattr(owner, self.__name__, real)
        return getattr(real, name)


def import_standing_in(module: str, stand_in: str, **answers: Any) -> None:
    """Import ``module`` while a :class:`StandIn` is ``sys.modules[stand_in]`` (only while it
    imports; nothing is done when either is loaded already)."""
    if module in sys.modules or stand_in in sys.modules:
        return
    standing = StandIn(stand_in, module, answers)
    sys.modules[stand_in] = standing
    try:
        importlib.import_module(module)
    finally:
        if sys.modules.get(stand_in) is standing:
            del sys.modules[stand_in]


def import_uuid() -> None:
    """Import module uuid with a :class:`StandIn` for module platform (which compiles a dozen
    patterns as it loads): on the systems where uuid imports it, it asks only
    ``platform.system()``, which is ``os.uname()``'s system name there."""
    if hasattr(os, "uname"):
        import_standing_in("uuid", "platform", system=_system)


def import_cloudpickle() -> None:
    """Import cloudpickle with a :class:`StandIn` for module platform, of which it asks only
    ``platform.python_implementation()`` (whether this is PyPy) as it loads (and imports
    uuid: :func:`import_uuid` first)."""
    import_uuid()
    import_standing_in("cloudpickle.cloudpickle", "platform",
                       python_implementation=_implementation)  # fmt: skip


def _implementation() -> str:
    known = {"cpython": "CPython", "pypy": "PyPy"}.get(sys.implementation.name)
    if known is not None:
        return known
    import platform

    return platform.python_implementation()


def _system() -> str:
    name = os.uname().sysname
    return "" if name == "unknown" else name  # (platform blanks "unknown")
