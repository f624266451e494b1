"""The durable store: content-addressed artifact files, materializers, SQLite run metadata.

Re-exports load on first use, so importing a submodule (``flowplan.store.location``) stays
cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowplan.store.local import LocalStore
    from flowplan.store.materializers import BaseMaterializer, register_materializer

_LAZY = {
    "LocalStore": "flowplan.store.local",
    "BaseMaterializer": "flowplan.store.materializers",
    "register_materializer": "flowplan.store.materializers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flowplan.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["BaseMaterializer", "LocalStore", "register_materializer"]
