"""The check of a cache hit (DESIGN decision 19) reads and hashes a file once, then vouches for
it while it has not changed -- by a watch of its folder (Linux, local file systems) or by its
unchanged status (elsewhere) -- and any change of the file, or of the path to it, is read
and refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import flowplan.store.artifacts as artifacts_module
import flowplan.store.checked_files as checked_files
import flowplan.store.file_watch as file_watch
from flowplan.diagnostics import StoreError
from flowplan.store.artifacts import ArtifactStore
from flowplan.store.checked_files import SETTLED, CheckedFiles, look_again
from flowplan.store.file_watch import FolderWatch, on_local_file_system

TICK = 0.05  # longer than a file system's clock tick: a change after it gets a new time


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files the artifact store opens."""
    seen: list[str] = []
    real_open = os.open

    def spy(path: str, flags: int, *args: int, **kwargs: object) -> int:
        seen.append(path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(artifacts_module.os, "open", spy)
    yield seen


def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every status read counts as read long after the file's last change."""
    monkeypatch.setattr(
        CheckedFiles, "read_at", lambda self: time.time_ns() + int(10 * SETTLED * 1e9)
    )


def _by_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders are not watched: files are vouched for by their status (settled files)."""
    monkeypatch.setattr(file_watch, "on_local_file_system", lambda path: False)
    _settled(monkeypatch)


@pytest.fixture(params=["watch", "status"])
def mechanism(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    if request.param == "status":
        _by_status(monkeypatch)
    elif not _watch_available() or not on_local_file_system(str(tmp_path)):
        pytest.skip("no folder watch here (not Linux, or not a local file system)")
    return str(request.param)


def _watch_available() -> bool:
    watch = FolderWatch.open()
    if watch is None:
        return False
    watch.close()
    return True


def test_a_file_is_read_once_then_vouched_for(
    tmp_path: Path, opens: list[str], mechanism: str
) -> None:
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(b"value")
    opens.clear()
    for _ in range(5):
        store.check(content_hash)
    # A watch begins at a file's second check (a process that checks each file once never
    # needs one): a file written moments ago is read then once more.
    assert opens == ([uri, uri] if mechanism == "watch" else [uri])
    opens.clear()
    store.check(content_hash)
    assert opens == []


def test_a_settled_file_vouched_for_by_its_status_is_then_watched(
    tmp_path: Path, opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _watch_available() or not on_local_file_system(str(tmp_path)):
        pytest.skip("no folder watch here")
    _settled(monkeypatch)
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(b"value")
    opens.clear()
    stats: list[str] = []
    real_stat = os.stat
    monkeypatch.setattr(
        checked_files.os, "stat", lambda path, *a, **k: stats.append(path) or real_stat(path)
    )
    for _ in range(4):
        store.check(content_hash)
    assert opens == [uri]  # read once; then its status, once, with its folder watched
    assert stats.count(uri) == 1
    time.sleep(TICK)
    _flip_a_bit(Path(uri))
    look_again()
    with pytest.raises(StoreError):
        store.check(content_hash)


def test_a_process_that_checks_each_file_once_starts_no_watch(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from flowplan.store.artifacts import ArtifactStore

        store = ArtifactStore(Path({str(tmp_path)!r}))
        for value in (b"a", b"b", b"c"):
            store.check(store.put_bytes(value)[0])
        sys.exit(1 if "ctypes" in sys.modules else 0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_by_status_a_file_changed_moments_ago_is_read_at_every_check(
    tmp_path: Path, opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_watch, "on_local_file_system", lambda path: False)
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(b"value")
    opens.clear()
    for _ in range(3):
        store.check(content_hash)
    assert opens == [uri] * 3  # written just now: its times could survive a change


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def _replace(path: Path) -> None:
    other = path.with_name("other")
    other.write_bytes(b"VALUE")  # same size, another file renamed over it
    os.replace(other, path)


def _move_the_store_and_copy_it_back_damaged(path: Path) -> None:
    root = path.parent.parent.resolve()
    moved = root.with_name("moved")
    os.rename(root, moved)  # a change of the path to the file, not of the file
    shutil.copytree(moved, root)
    _flip_a_bit(path)


def _point_a_link_on_the_path_at_a_damaged_copy(path: Path) -> None:
    link = path.parents[2]  # <tmp>/store -> <tmp>/real
    copy = path.parents[3] / "copy"
    shutil.copytree(link.resolve(), copy)
    _flip_a_bit(copy / path.relative_to(link))
    replacement = link.with_name("new-link")
    replacement.symlink_to(copy)
    os.replace(replacement, link)  # the link now points at the copy


@pytest.mark.usefixtures("mechanism")
@pytest.mark.parametrize(
    "damage",
    [_flip_a_bit, _truncate, _replace, os.remove, _move_the_store_and_copy_it_back_damaged,
     _point_a_link_on_the_path_at_a_damaged_copy],
)
def test_a_changed_file_is_read_again_and_refused(
    tmp_path: Path, damage: Callable[[Path], object]
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "store").symlink_to(tmp_path / "real")
    store = ArtifactStore(tmp_path / "store" / "artifacts")
    content_hash, uri = store.put_bytes(b"value")
    for _ in range(3):  # read, read with its folder watched (or vouched for by its status)
        store.check(content_hash)
    time.sleep(TICK)
    damage(Path(uri))
    look_again()  # as a run starts
    with pytest.raises(StoreError) as raised:
        store.check(content_hash)
    assert raised.value.diagnostics[0].code == "FP503"


@pytest.mark.usefixtures("mechanism")
def test_a_rewritten_file_is_read_again(tmp_path: Path, opens: list[str]) -> None:
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(b"value")
    store.check(content_hash)
    store.check(content_hash)
    time.sleep(TICK)
    Path(uri).write_bytes(b"value")  # the same bytes: read again, and they still match
    look_again()
    opens.clear()
    store.check(content_hash)
    store.check(content_hash)
    assert opens == [uri]


def test_a_large_file_is_hashed_in_chunks_then_vouched_for(
    tmp_path: Path, opens: list[str], monkeypatch: pytest.MonkeyPatch, mechanism: str
) -> None:
    monkeypatch.setattr(artifacts_module, "RECENT_ITEM", 1000)
    monkeypatch.setattr(artifacts_module, "CHUNK", 256)
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(os.urandom(5000))
    opens.clear()
    for _ in range(3):
        store.check(content_hash)
    assert opens == ([uri, uri] if mechanism == "watch" else [uri])
    time.sleep(TICK)
    _flip_a_bit(Path(uri))
    look_again()
    with pytest.raises(StoreError):
        store.check(content_hash)


@pytest.mark.usefixtures("mechanism")
def test_a_discarded_file_is_forgotten(tmp_path: Path, opens: list[str]) -> None:
    store = ArtifactStore(tmp_path)
    content_hash, uri = store.put_bytes(b"value")
    store.check(content_hash)
    store.discard(content_hash)  # it matches: kept, but read again at the next check
    opens.clear()
    store.check(content_hash)
    assert opens == [uri]


@pytest.mark.usefixtures("mechanism")
def test_another_store_with_the_same_file_is_not_vouched_for(
    tmp_path: Path, opens: list[str]
) -> None:
    first, second = ArtifactStore(tmp_path / "a"), ArtifactStore(tmp_path / "b")
    content_hash, _ = first.put_bytes(b"value")
    _, other = second.put_bytes(b"value")
    first.check(content_hash)
    opens.clear()
    second.check(content_hash)
    assert opens == [other]


def test_a_forked_child_leaves_the_parents_watch_alone(tmp_path: Path) -> None:
    """A child does not read the parent's queue of changes (they are the parent's)."""
    if not _watch_available():
        pytest.skip("no folder watch here")
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        import flowplan.store.checked_files as checked_files
        from flowplan.store.artifacts import ArtifactStore

        store = ArtifactStore(Path({str(tmp_path)!r}))
        content_hash, uri = store.put_bytes(b"value")
        store.check(content_hash)
        store.check(content_hash)
        assert checked_files._WATCHED.watch is not None
        pid = os.fork()
        if pid == 0:
            gone = checked_files._WATCHED.watch is None and not checked_files._WATCHED.files
            os._exit(0 if gone else 1)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_statuses_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checked_files, "LIMIT", 3)
    checked = CheckedFiles(str(tmp_path))
    names = []
    for i in range(5):
        path = tmp_path / str(i)
        path.write_bytes(b"x")
        names.append(str(i))
        checked.matched(str(i), str(path), os.stat(path), time.time_ns() + int(10 * SETTLED * 1e9))
    assert [checked.unchanged(name) for name in names] == [False, False, True, True, True]


def test_mount_points_are_read_from_mountinfo() -> None:
    if not os.path.exists("/proc/self/mountinfo"):
        pytest.skip("no /proc")
    assert not on_local_file_system("/proc/self")  # proc: not a file system of files


def test_checks_between_two_moments_that_may_change_files_share_one_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's cache hits one after the other look at the queue of changes once; a run's
    start, and each step it ran, make the next check look again."""
    if not _watch_available() or not on_local_file_system(str(tmp_path)):
        pytest.skip("no folder watch here")
    store = ArtifactStore(tmp_path)
    hashes = [store.put_bytes(value)[0] for value in (b"a", b"b", b"c")]
    for content_hash in hashes * 2:  # read, then read with the folder watched
        store.check(content_hash)
    looks: list[int] = []
    real_changes = FolderWatch.changes

    def changes(self: FolderWatch) -> list[str] | None:
        looks.append(1)
        return real_changes(self)

    monkeypatch.setattr(FolderWatch, "changes", changes)
    look_again()
    for content_hash in hashes * 3:
        store.check(content_hash)
    assert len(looks) == 1
    look_again()
    store.check(hashes[0])
    assert len(looks) == 2
