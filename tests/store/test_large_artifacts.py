"""Large artifacts are written and read by streaming: a round trip never holds the value in
several copies, and every check (digest, pickle signature) still happens before a value is
loaded.  Memory is measured with tracemalloc, which sees the buffers of the value itself."""

from __future__ import annotations

import dataclasses
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowplan.diagnostics import StoreError
from flowplan.executor.cache_keys import verify_cached
from flowplan.store.artifacts import RECENT_ITEM
from flowplan.store.local import LocalStore
from flowplan.store.materializers import BaseMaterializer, materializer_path

SIZE = 24 << 20  # bytes: well above the size from which files are streamed


class Blob:
    """A value of the user's that only cloudpickle can store (the usual large case: arrays,
    frames and models are stored by cloudpickle or a materializer)."""

    def __init__(self, data: bytearray) -> None:
        self.data = data


def _peak(work: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_pickled_value_round_trips_without_extra_copies(store: LocalStore) -> None:
    value = Blob(bytearray(os.urandom(SIZE)))
    (record, warnings), saving = _peak(lambda: store.write_artifact("big", value))
    assert [w.code for w in warnings] == ["FP512"]
    assert Path(record.uri).stat().st_size > SIZE
    loaded, loading = _peak(lambda: store.load_artifact(record))
    assert loaded.data == value.data
    # before streaming: ~3x the value in both directions (pickle, signed copy, file bytes)
    assert saving < SIZE // 2, saving  # no copy of the value: a fixed few MB of buffers
    assert loading < 1.5 * SIZE, loading  # the value itself, and no second copy


def test_large_bytes_are_written_from_the_value_itself(store: LocalStore) -> None:
    value = os.urandom(SIZE)
    (record, _), saving = _peak(lambda: store.write_artifact("raw", value))
    assert saving < SIZE // 2, saving  # no copy of the value: a fixed few MB of buffers
    loaded, loading = _peak(lambda: store.load_artifact(record))
    assert loaded == value and loading < 1.5 * SIZE, loading


def test_a_damaged_large_file_is_refused_and_dropped_from_the_cache(store: LocalStore) -> None:
    record, _ = store.write_artifact("big", Blob(bytearray(os.urandom(2 * RECENT_ITEM))))
    path = Path(record.uri)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        store.load_artifact(record)
    assert info.value.code == "FP503"
    assert verify_cached(store, {"output": [record]}) is False
    assert not path.exists()  # the next run of the producing step writes it again


def test_a_re_signed_large_pickle_is_never_unpickled(store: LocalStore) -> None:
    """A large file that matches its recorded digest but not the store's signature (written
    by another store, say) is refused from the file, before unpickling (FP504)."""
    record, _ = store.write_artifact("big", Blob(bytearray(os.urandom(2 * RECENT_ITEM))))
    path = Path(record.uri)
    header, _, body = path.read_bytes().partition(b"\n")
    forged = header[:-64] + b"0" * 64 + b"\n" + body  # a signature this store never made
    content_hash, uri = store.artifacts.put_bytes(forged)  # stored under its own digest
    forged_record = dataclasses.replace(record, content_hash=content_hash, uri=uri)
    with pytest.raises(StoreError) as info:
        store.load_artifact(forged_record)
    assert info.value.code == "FP504"


class Failing(BaseMaterializer):
    """Writes part of a large value, then fails."""

    NAME = "failing"

    def save(self, value: Any) -> bytes:
        raise NotImplementedError

    def save_to(self, value: Any, handle: Any) -> None:
        handle.write(b"x" * (2 * RECENT_ITEM))
        raise RuntimeError("disk on fire")

    def load(self, data: bytes, data_type: Any) -> Any:
        return data


def test_a_failed_write_leaves_no_file_behind(store: LocalStore) -> None:
    with pytest.raises(StoreError) as info:
        store.save_output(b"payload", None, materializer_path(Failing))
    assert info.value.code == "FP511" and "disk on fire" in str(info.value)
    root = store.artifacts.root
    assert [p for p in root.rglob("*") if p.is_file() and ".flowplan-stores" not in p.parts] == []
