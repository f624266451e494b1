"""The durable store: content-addressed artifact files, materializers, SQLite run metadata.

Re-exports load on first use, so importing a submodule (``flowplan.store.location``) stays
cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowplan.lazy import lazy_exports

if TYPE_CHECKING:
    from flowplan.store.local import LocalStore
    from flowplan.store.materializers import BaseMaterializer, register_materializer

_LAZY = {
    "LocalStore": "flowplan.store.local",
    "BaseMaterializer": "flowplan.store.materializers",
    "register_materializer": "flowplan.store.materializers",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = ["BaseMaterializer", "LocalStore", "register_materializer"]
