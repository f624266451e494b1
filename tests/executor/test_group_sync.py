"""Steps run in the driver's process leave their new output files to the run's writer, which
makes a group's files durable at once -- one ``syncfs`` on Linux -- before the transaction
that records them; steps in worker processes still sync their own files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.store import durable_files
from flowplan.store.artifacts import ArtifactStore
from flowplan.store.connection import Database


@step
def start(x: int) -> int:
    return x + 1


@step
def more(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def chain(x: int) -> None:
    more(more(more(start(x))))


def _events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    events: list[str] = []
    real_fsync, real_syncfs, real_write = os.fsync, durable_files.syncfs, Database.write

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def syncfs(folder: str) -> bool:
        events.append("syncfs")
        return real_syncfs(folder)

    def write(self: Database, work: object) -> object:
        events.append("commit")
        return real_write(self, work)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(durable_files, "syncfs", syncfs)
    monkeypatch.setattr(Database, "write", write)
    return events


def test_a_groups_new_files_are_synced_at_once_before_its_records_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("flowplan.store.run_writer.BATCH_WINDOW", 60.0)  # one group
    events = _events(monkeypatch)
    run = chain(x=1000)
    assert run.steps["more_3"].output.load() == 1004
    synced = "syncfs" if sys.platform.startswith("linux") else "fsync"
    # the run's record, the first step's start (with the run marked running), then the
    # group: its four new files made durable together, then committed
    assert events.count("fsync") == (0 if synced == "syncfs" else 8)  # files and folders
    last_commit = len(events) - 1 - events[::-1].index("commit")
    assert synced in events[:last_commit]
    assert "commit" not in events[events.index(synced) : last_commit]


def test_a_single_new_file_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = _events(monkeypatch)
    files = ArtifactStore(tmp_path)
    files.put_bytes(b"one", sync=False)
    files.sync_written()
    assert events == ["fsync", "fsync"]  # the file, then its folder


def test_without_syncfs_each_file_and_folder_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _events(monkeypatch)
    monkeypatch.setattr(durable_files, "syncfs", lambda folder: events.append("no") or False)
    files = ArtifactStore(tmp_path)
    for value in (b"one", b"two", b"three"):
        files.put_bytes(value, sync=False)
    files.sync_written()
    assert events[0] == "no" and events.count("fsync") >= 4  # three files, their folders


@pytest.mark.parametrize(("isolation", "synced_by_step"), [("thread", False), ("process", True)])
def test_only_steps_in_worker_processes_sync_their_own_files(
    isolation: str, synced_by_step: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowplan.executor.ledger import Ledger

    seen: list[bool] = []
    real_task = Ledger._task

    def task(self: Ledger, *args: object) -> object:
        made = real_task(self, *args)  # type: ignore[arg-type]
        seen.append(made.sync_outputs)
        return made

    monkeypatch.setattr(Ledger, "_task", task)
    run = chain.with_options(settings={"orchestrator": {"isolation": isolation}})(x=3000)
    assert run.steps["more_3"].output.load() == 3004
    assert seen == [synced_by_step] * 4
