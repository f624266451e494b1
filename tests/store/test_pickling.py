"""DESIGN decision 12: pickles warn, pin the Python version, and are signed by the store."""

from __future__ import annotations

import os
import pickle
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from flowplan.diagnostics import Severity, StoreError
from flowplan.store import pickling
from flowplan.store.local import LocalStore
from flowplan.store.materializers import CloudpickleMaterializer, materializer_path
from flowplan.store.records import ArtifactRecord

PICKLE = materializer_path(CloudpickleMaterializer)


class Booby:
    """Unpickling this creates a folder: proof that a payload ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


def _store_raw(store: LocalStore, data: bytes) -> ArtifactRecord:
    content_hash, uri = store.artifacts.put_bytes(data)
    return store.metadata.record_artifact("p::s::output", uri, content_hash, "object", PICKLE)


def test_fallback_round_trips_and_warns_fp512(store: LocalStore) -> None:
    def make_adder(n: int) -> Any:
        return lambda x: x + n

    saved = store.save_output(make_adder(3))
    assert saved.materializer == PICKLE
    [warning] = saved.warnings
    assert warning.code == "FP512" and warning.severity is Severity.WARNING
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in warning.message
    header = Path(saved.uri).read_bytes().split(b"\n", 1)[0]
    assert header.startswith(b"flowplan-pickle/1 python=%d.%d " % sys.version_info[:2])
    record = _store_raw(store, Path(saved.uri).read_bytes())
    assert store.load_artifact(record)(4) == 7


def test_a_signed_payload_does_run(store: LocalStore, tmp_path: Path) -> None:
    """The control for the tests below: the payload fires when it is legitimately loaded."""
    marker = tmp_path / "fired"
    record = _store_raw(store, pickling.sign(pickle.dumps(Booby(marker)), store.pickle_key()))
    store.load_artifact(record)
    assert marker.exists()


def _assert_refused(store: LocalStore, data: bytes, marker: Path, code: str = "FP504") -> None:
    record = _store_raw(store, data)
    with pytest.raises(StoreError) as caught:
        store.load_artifact(record)
    assert caught.value.code == code
    assert caught.value.diagnostic.path == record.uri
    assert not marker.exists(), "the pickle was unpickled"


def test_tampered_pickle_is_fp504_and_never_unpickled(store: LocalStore, tmp_path: Path) -> None:
    marker = tmp_path / "fired"
    signed = bytearray(pickling.sign(pickle.dumps(Booby(marker)), store.pickle_key()))
    signed[-3] ^= 0x01  # flip one bit of the body
    _assert_refused(store, bytes(signed), marker)


def test_tampered_header_is_fp504(store: LocalStore, tmp_path: Path) -> None:
    marker = tmp_path / "fired"
    signed = pickling.sign(pickle.dumps(Booby(marker)), store.pickle_key())
    minor = sys.version_info.minor
    forged = signed.replace(b"python=3.%d " % minor, b"python=3.%d " % (minor + 1), 1)
    _assert_refused(store, forged, marker)


def test_pickle_signed_by_another_store_is_fp504(store: LocalStore, tmp_path: Path) -> None:
    marker = tmp_path / "fired"
    foreign = pickling.sign(pickle.dumps(Booby(marker)), os.urandom(32))
    _assert_refused(store, foreign, marker)


def test_unsigned_pickle_is_fp504(store: LocalStore, tmp_path: Path) -> None:
    marker = tmp_path / "fired"
    _assert_refused(store, pickle.dumps(Booby(marker)), marker)


def test_other_python_minor_is_fp505(store: LocalStore, tmp_path: Path) -> None:
    marker = tmp_path / "fired"
    other = f"{sys.version_info.major}.{sys.version_info.minor - 1}"
    crafted = pickling.sign(pickle.dumps(Booby(marker)), store.pickle_key(), version=other)
    _assert_refused(store, crafted, marker, code="FP505")
    record = _store_raw(store, crafted)
    with pytest.raises(StoreError) as caught:
        store.load_artifact(record)
    assert f"written by Python {other}" in caught.value.diagnostic.message


def test_key_is_private_stable_and_created_only_when_needed(home: Path) -> None:
    store = LocalStore.open()
    store.save_output({"plain": "json"})
    assert not (home / "secret.key").exists()
    store.save_output(lambda: None)  # needs a pickle
    key_file = home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert LocalStore.open().pickle_key() == store.pickle_key()


def test_racing_key_creation_yields_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        keys.append(pickling.load_or_create_key(tmp_path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_malformed_key_is_fp504(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("short")
    with pytest.raises(StoreError) as caught:
        pickling.load_or_create_key(tmp_path)
    assert caught.value.code == "FP504"
