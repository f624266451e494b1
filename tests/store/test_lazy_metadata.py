"""A store opened for a worker process opens its metadata database on first use only."""

from __future__ import annotations

from pathlib import Path

from flowplan.store.local import LocalStore
from flowplan.store.location import DB_FILENAME


def test_metadata_opens_on_first_use_when_asked_to_wait(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "home", metadata_now=False)
    store.save_output(41, int)  # artifact files need no database
    assert not (tmp_path / "home" / DB_FILENAME).exists()
    record, _ = store.write_artifact("a", 41, int)  # recording one does
    assert (tmp_path / "home" / DB_FILENAME).exists()
    assert store.load_artifact(record) == 41
    assert store.metadata is store.metadata
    store.close()


def test_metadata_opens_at_once_by_default(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "home")
    assert (tmp_path / "home" / DB_FILENAME).exists()
    store.close()
