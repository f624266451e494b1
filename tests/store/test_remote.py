"""The fsspec artifact store: the local folder's guarantees (content addressing, atomic
writes, hash-checked reads) behind a URL, and a LocalStore that writes there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("fsspec", reason="the artifact store URL needs flowplan[dask]")

from flowplan.diagnostics import ConfigError, StoreError
from flowplan.enums import ExecutionStatus
from flowplan.store.local import LocalStore
from flowplan.store.remote import RemoteArtifactStore, base_of, normalise_url


def test_bytes_round_trip_under_a_file_url(tmp_path: Path) -> None:
    url = (tmp_path / "bucket").as_uri() + "/prefix/"
    store = RemoteArtifactStore(url)
    content_hash, uri = store.put_bytes(b"hello")
    assert uri == f"{url.rstrip('/')}/{content_hash[:2]}/{content_hash}"
    assert base_of(uri) == store.url
    assert store.exists(content_hash) and store.get_bytes(content_hash) == b"hello"
    assert store.put_bytes(b"hello") == (content_hash, uri)  # the same bytes are one file
    files = [p for p in (tmp_path / "bucket").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [content_hash]  # no temporary file is left behind


def test_a_plain_path_is_a_file_url(tmp_path: Path) -> None:
    assert normalise_url(str(tmp_path / "x")) == (tmp_path / "x").as_uri()
    assert RemoteArtifactStore(str(tmp_path / "x")).url == (tmp_path / "x").as_uri()


def test_object_stores_write_in_one_put() -> None:
    store = RemoteArtifactStore("memory://flowplan-test")
    content_hash, uri = store.put_bytes(b"in memory")
    assert uri.startswith("memory://flowplan-test/")
    assert store.get_bytes(content_hash) == b"in memory"


def test_reads_are_checked_against_the_hash(tmp_path: Path) -> None:
    store = RemoteArtifactStore((tmp_path / "b").as_uri())
    content_hash, _ = store.put_bytes(b"original")
    (tmp_path / "b" / content_hash[:2] / content_hash).write_bytes(b"tampered")
    with pytest.raises(StoreError, match="corrupt") as corrupt:
        store.get_bytes(content_hash)
    assert corrupt.value.code == "FP503"
    (tmp_path / "b" / content_hash[:2] / content_hash).unlink()
    with pytest.raises(StoreError, match="missing") as missing:
        store.get_bytes(content_hash)
    assert missing.value.code == "FP503" and not store.exists(content_hash)
    with pytest.raises(StoreError):
        store.get_bytes("not-a-hash")


def test_concurrent_writers_of_the_same_bytes(tmp_path: Path) -> None:
    store = RemoteArtifactStore((tmp_path / "b").as_uri())
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(50):
                store.put_bytes(f"value {i % 5}".encode())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len([p for p in (tmp_path / "b").rglob("*") if p.is_file()]) == 5


def test_an_unknown_protocol_is_a_settings_diagnostic() -> None:
    with pytest.raises(ConfigError) as info:
        RemoteArtifactStore("nosuchprotocol://bucket")
    assert info.value.code == "FP304"
    assert "FLOWPLAN_ARTIFACT_URL" in str(info.value)


def test_a_local_store_writes_to_its_artifact_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (tmp_path / "shared").as_uri()
    monkeypatch.setenv("FLOWPLAN_ARTIFACT_URL", url)
    store = LocalStore.open(tmp_path / "home")
    record, _ = store.write_artifact("a::b::output", {"x": 1})
    assert record.uri.startswith(url + "/")
    assert not (tmp_path / "home" / "artifacts").exists()
    monkeypatch.delenv("FLOWPLAN_ARTIFACT_URL")
    plain = LocalStore.open(tmp_path / "home")  # no URL now: the record says where it is
    assert isinstance(plain.artifacts, type(plain.local_artifacts))
    assert plain.load_artifact(record) == {"x": 1}


def test_a_cache_entry_whose_remote_file_is_gone_is_a_miss(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "home", artifact_url=(tmp_path / "shared").as_uri())
    meta = store.metadata
    run = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run, "s", "s", {}, {}, "key")
    record, _ = store.write_artifact("p::s::output", 5, step_run_id=step, output_name="output")
    meta.finish_step(step, ExecutionStatus.COMPLETED, {"output": [record.id]}, cache_key="key")
    assert meta.lookup_cache("key") is not None
    h = record.content_hash
    (tmp_path / "shared" / h[:2] / h).unlink()
    assert meta.lookup_cache("key") is None
