"""The durable store: content-addressed artifact files, materializers, SQLite run metadata."""

from flowplan.store.local import LocalStore
from flowplan.store.materializers import BaseMaterializer, register_materializer

__all__ = ["BaseMaterializer", "LocalStore", "register_materializer"]
