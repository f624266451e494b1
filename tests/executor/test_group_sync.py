"""A run's in-process steps leave their new artifact files to the run writer, which makes them
durable before the group of records that refers to them is committed (several at once)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from flowplan import Client, pipeline, step
from flowplan.store import artifacts


@step
def add_one(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def chain() -> None:
    value = add_one(x=1000, id="s0")
    for i in range(1, 12):
        value = add_one(value, id=f"s{i}")


def test_new_files_are_synced_by_the_writer_before_their_records_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = threading.local()
    synced: dict[str, bool] = {}  # path -> synced inside the writer's sync_written
    committed_before_sync: list[str] = []
    original_fsync = artifacts._fsync
    original_sync = artifacts.ArtifactStore.sync_written

    def fsync(path: str) -> None:
        original_fsync(path)
        synced[path] = synced.get(path, False) or getattr(state, "inside", False) or (
            threading.current_thread().name.startswith("flowplan-sync")
        )

    def sync_written(self: artifacts.ArtifactStore) -> None:
        home = self.root.parent
        with sqlite3.connect(home / "flowplan.db") as conn:
            known = {u for (u,) in conn.execute("SELECT uri FROM artifacts")}
        committed_before_sync.extend(u for u in self._unsynced if u in known)
        state.inside = True
        try:
            original_sync(self)
        finally:
            state.inside = False

    monkeypatch.setattr(artifacts, "_fsync", fsync)
    monkeypatch.setattr(artifacts.ArtifactStore, "sync_written", sync_written)
    chain()
    run = Client().get_pipeline_run("latest")
    uris = {v.uri for s in run.steps.values() for vs in s.outputs.values() for v in vs}
    assert len(uris) == 12
    assert all(synced.get(uri) for uri in uris), synced  # by the writer, not by the step
    assert committed_before_sync == []
