from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowplan.diagnostics import StoreError
from flowplan.store.artifacts import ArtifactStore
from flowplan.store.local import LocalStore


def test_put_and_get_round_trip(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"hello")
    assert content_hash == hashlib.sha256(b"hello").hexdigest()
    assert Path(uri) == tmp_path / "artifacts" / content_hash[:2] / content_hash
    assert artifacts.get_bytes(content_hash) == b"hello"
    assert artifacts.exists(content_hash)


def test_same_content_is_written_once(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    _, uri = artifacts.put_bytes(b"same")
    before = os.stat(uri).st_mtime_ns
    time.sleep(0.01)
    assert artifacts.put_bytes(b"same")[1] == uri
    assert os.stat(uri).st_mtime_ns == before
    assert [p.name for p in Path(uri).parent.iterdir()] == [Path(uri).name]  # no temp left


def test_missing_file_is_fp503_with_path_and_fix(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"gone")
    os.unlink(uri)
    with pytest.raises(StoreError) as caught:
        artifacts.get_bytes(content_hash)
    assert caught.value.code == "FP503"
    assert caught.value.diagnostic.path == uri
    assert "re-run" in (caught.value.diagnostic.fix or "")


def test_changed_file_is_fp503(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"original")
    Path(uri).write_bytes(b"origina")  # truncated
    with pytest.raises(StoreError) as caught:
        artifacts.get_bytes(content_hash)
    assert caught.value.code == "FP503"
    assert "corrupt" in caught.value.diagnostic.message


def test_a_deleted_shard_folder_is_recreated(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"one")
    os.unlink(uri)
    os.rmdir(Path(uri).parent)
    assert artifacts.put_bytes(b"one") == (content_hash, uri)
    assert artifacts.get_bytes(content_hash) == b"one"


def test_load_of_corrupt_artifact_names_it(store: LocalStore) -> None:
    saved = store.save_output({"a": 1})
    record = store.metadata.record_artifact(
        "p::s::output", saved.uri, saved.content_hash, saved.data_type, saved.materializer
    )
    Path(saved.uri).write_bytes(b'{"a":2}')
    with pytest.raises(StoreError) as caught:
        store.load_artifact(record)
    assert caught.value.code == "FP503"
    assert "`p::s::output` (version 1)" in caught.value.diagnostic.message
    assert caught.value.diagnostic.path == saved.uri


_WRITER = textwrap.dedent(
    """
    import os, random, sys
    from pathlib import Path
    from flowplan.enums import ExecutionStatus
    from flowplan.store.local import LocalStore

    store = LocalStore.open(Path(sys.argv[1]))
    tag = sys.argv[2]
    rng = random.Random(tag)
    print("ready", flush=True)
    for i in range(100000):
        run = store.metadata.create_run(f"{tag}-{i}", "p", {"i": i}, None, {})
        step = store.metadata.start_step(run, "s", "s", {}, {}, f"key-{tag}-{i}")
        saved = store.save_output(os.urandom(rng.randint(1, 1 << 20)))
        record = store.metadata.record_artifact(
            "p::s::output", saved.uri, saved.content_hash, saved.data_type,
            saved.materializer, step, "output")
        store.metadata.finish_step(
            step, ExecutionStatus.COMPLETED, {"output": [record.id]}, cache_key=f"key-{tag}-{i}")
        store.metadata.finish_run(run, ExecutionStatus.COMPLETED)
    """
)


@pytest.mark.slow
def test_sigkill_mid_write_leaves_a_consistent_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    for round_, delay in enumerate((0.15, 0.4, 0.25, 0.6)):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(home), f"w{round_}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    _assert_consistent(home)


def _assert_consistent(home: Path) -> None:
    store = LocalStore.open(home)  # opens cleanly after the crashes
    conn = sqlite3.connect(home / "flowplan.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT content_hash FROM artifacts").fetchall()
    assert rows, "the writer should have committed some artifacts before being killed"
    for (content_hash,) in rows:
        store.artifacts.get_bytes(content_hash)  # exists and matches its hash
    for path in (home / "artifacts").glob("*/*"):
        if not path.name.startswith(".tmp-"):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    keys = [k for (k,) in conn.execute("SELECT cache_key FROM cache_entries")]
    completed = conn.execute("SELECT COUNT(*) FROM step_runs WHERE status = 'completed'")
    assert len(keys) == completed.fetchone()[0]
    for key in keys:
        assert store.metadata.lookup_cache(key) is not None
    conn.close()
    store.close()


def test_write_artifact_versions_by_name(store: LocalStore) -> None:
    first, warnings = store.write_artifact("p::s::output", [1], list[int], output_name="output")
    second, _ = store.write_artifact("p::s::output", [2], list[int])
    assert warnings == () and (first.version, second.version) == (1, 2)
    assert store.load_artifact(store.metadata.get_artifact_by_name("p::s::output", 1)) == [1]


def test_stale_temp_files_can_be_swept(tmp_path: Path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"kept")
    (Path(uri).parent / ".tmp-deadbeef-1-0000").write_bytes(b"half")
    assert artifacts.remove_stale_temp_files() == 1
    assert artifacts.get_bytes(content_hash) == b"kept"
    assert [p.name for p in Path(uri).parent.iterdir()] == [content_hash]


@pytest.mark.parametrize("size", [0, 10, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 300_000])
def test_the_digest_check_reads_files_of_every_size_whole(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    content_hash, _uri = ArtifactStore(tmp_path / "artifacts").put_bytes(data)
    fresh = ArtifactStore(tmp_path / "artifacts")  # nothing remembered
    fresh.check(content_hash)
    assert fresh.recent(content_hash) == data


@pytest.mark.parametrize("size", [10, 1 << 16, 300_000])
def test_the_digest_check_reports_a_damaged_file_whatever_its_size(
    tmp_path: Path, size: int
) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    content_hash, uri = artifacts.put_bytes(b"y" * size)
    Path(uri).write_bytes(b"y" * (size - 1) + b"z")
    with pytest.raises(StoreError) as caught:
        ArtifactStore(tmp_path / "artifacts").check(content_hash)
    assert caught.value.code == "FP503"
    assert "corrupt" in caught.value.diagnostic.message
