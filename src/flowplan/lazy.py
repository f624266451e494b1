"""Re-exports that load on first use, so that importing a package stays cheap."""

from __future__ import annotations

import importlib
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
