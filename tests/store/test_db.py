from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from flowplan.diagnostics import StoreError
from flowplan.enums import ExecutionStatus as Status
from flowplan.store import queries
from flowplan.store.db import MetadataStore
from flowplan.store.local import LocalStore
from flowplan.store.records import ArtifactRecord, StepRunRecord


def _step_run(meta: MetadataStore, step_run_id: uuid.UUID) -> StepRunRecord:
    return meta.db.read(lambda c: queries.step_runs(c, "id", str(step_run_id)))[0]


@pytest.fixture
def meta(tmp_path: Path) -> MetadataStore:
    return MetadataStore(tmp_path / "flowplan.db")


def _artifact(
    meta: MetadataStore, name: str = "p::s::output", step: uuid.UUID | None = None
) -> ArtifactRecord:
    return meta.record_artifact(name, f"/nowhere/{name}", "0" * 64, "int", "m:M", step, "output")


def test_run_round_trip_by_id_string_and_name(meta: MetadataStore) -> None:
    run_id = meta.create_run("first", "train", {"lr": 0.1}, '{"plan": 1}', {"mode": "x"})
    for key in (run_id, str(run_id), str(run_id).upper(), "first"):
        run = meta.get_run(key)
        assert (run.id, run.name, run.pipeline) == (run_id, "first", "train")
    assert run.status is Status.INITIALIZING
    assert run.parameters == {"lr": 0.1} and run.config == {"mode": "x"}
    assert run.plan == '{"plan": 1}' and run.unlisted is False and run.started is None
    assert meta.list_pipelines() == ["train"]


def test_an_exact_id_wins_over_a_run_named_like_it(meta: MetadataStore) -> None:
    first = meta.create_run("first", "p", {}, None, {})
    named = meta.create_run(str(first), "p", {}, None, {})  # another run, named as the id
    assert meta.get_run(first).id == first and meta.get_run(str(first)).id == first
    second = meta.create_run("second", "p", {}, None, {})
    meta.create_run("latest", "p", {}, None, {})
    assert meta.get_run("latest").name == "latest"  # an exact name before ``latest``
    assert meta.get_run("latest~1").id == second
    assert meta.get_run(named).name == str(first)


def test_run_lifecycle(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    meta.set_run_status(run_id, Status.RUNNING, pid=os.getpid())
    running = meta.get_run(run_id)
    assert running.status is Status.RUNNING and running.started is not None
    assert running.pid == os.getpid()
    step = meta.start_step(run_id, "s", "s", {}, {})
    meta.finish_run(run_id, Status.FAILED, ["hook failed", {"code": "FP513"}])
    done = meta.get_run("r")
    assert done.status is Status.FAILED and done.ended is not None
    assert done.warnings == ("hook failed", {"code": "FP513"})
    assert _step_run(meta, step).status is Status.STOPPED


def test_unknown_run_is_fp509_with_did_you_mean(meta: MetadataStore) -> None:
    meta.create_run("training-2024", "p", {}, None, {})
    with pytest.raises(StoreError) as caught:
        meta.get_run("training-2042")
    assert caught.value.code == "FP509"
    assert "did you mean `training-2024`" in caught.value.diagnostic.message
    with pytest.raises(StoreError):
        meta.get_run(uuid.uuid4())


def test_list_runs_newest_first_with_filters(meta: MetadataStore) -> None:
    for i in range(5):
        run_id = meta.create_run(f"r{i}", "even" if i % 2 == 0 else "odd", {}, None, {}, i == 4)
        if i == 3:
            meta.finish_run(run_id, Status.COMPLETED)
    assert [r.name for r in meta.list_runs()] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.name for r in meta.list_runs(pipeline="even")] == ["r4", "r2", "r0"]
    assert [r.name for r in meta.list_runs(status=Status.COMPLETED)] == ["r3"]
    assert [r.name for r in meta.list_runs(limit=2)] == ["r4", "r3"]
    assert [r.name for r in meta.list_runs(include_unlisted=False, limit=1)] == ["r3"]


def test_duplicate_run_name_is_fp501(meta: MetadataStore) -> None:
    meta.create_run("same", "p", {}, None, {})
    with pytest.raises(StoreError) as caught:
        meta.create_run("same", "other", {}, None, {})
    assert caught.value.code == "FP501"
    assert [r.pipeline for r in meta.list_runs()] == ["p"]
    assert meta.list_pipelines() == ["p"]  # the refused run left nothing behind


def test_duplicate_run_name_race_has_one_winner(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "flowplan.db")
    barrier = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def create() -> None:
        barrier.wait()
        try:
            meta.create_run("contested", "p", {}, None, {})
            result = "won"
        except StoreError as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["FP501"] * 15 + ["won"]


def test_step_runs_in_start_order_with_links_and_attempts(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    first = meta.start_step(run_id, "load", "load", {"n": 1}, {"retry": None}, "k-load")
    data = _artifact(meta, "p::load::output", first)
    meta.record_attempt(first, 1, time.time(), time.time(), "boom")
    meta.record_attempt(first, 2, time.time())
    assert meta.finish_step(first, Status.COMPLETED, {"output": [data.id]}, stdout="hi\n")
    second = meta.start_step(run_id, "train", "train", {}, {}, inputs={"xs": [data.id, data.id]})
    skipped = meta.start_step(run_id, "late", "late", {}, {}, status=Status.SKIPPED)
    steps = meta.get_step_runs(run_id)
    assert [s.invocation_id for s in steps] == ["load", "train", "late"]
    assert [s.position for s in steps] == [0, 1, 2]
    load, train, late = steps
    assert load.outputs == {"output": (data,)} and load.stdout == "hi\n"
    assert load.parameters == {"n": 1} and load.cache_key == "k-load"
    assert [(a.number, a.error) for a in load.attempts] == [(1, "boom"), (2, None)]
    assert train.inputs == {"xs": (data, data)} and train.id == second
    assert late.status is Status.SKIPPED and late.started is None and late.id == skipped


def test_finish_step_commits_status_and_cache_entry_together(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    art = _artifact(meta, step=step)
    assert meta.lookup_cache("key") is None
    meta.finish_step(step, Status.COMPLETED, {"output": [art.id]}, cache_key="key")
    assert _step_run(meta, step).status is Status.COMPLETED
    hit = meta.db.read(lambda c: queries.cached_outputs(c, "key"))
    assert hit is not None and hit[1] == {"output": [art]}


def test_a_failure_inside_finish_step_commits_neither(
    meta: MetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")

    def crash(*args: object) -> None:
        raise RuntimeError("crash between the two writes")

    monkeypatch.setattr(queries, "link", crash)
    with pytest.raises(RuntimeError):
        meta.finish_step(step, Status.COMPLETED, {"output": []}, cache_key="key")
    assert _step_run(meta, step).status is Status.RUNNING
    assert meta.db.read(lambda c: queries.cached_outputs(c, "key")) is None


def test_only_completed_steps_are_cached(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    meta.finish_step(step, Status.FAILED, cache_key="key", error="Traceback ...")
    assert meta.db.read(lambda c: queries.cached_outputs(c, "key")) is None
    assert _step_run(meta, step).error == "Traceback ..."


def test_late_result_of_a_stopped_step_is_discarded(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    meta.finish_step(step, Status.STOPPED)
    assert meta.finish_step(step, Status.COMPLETED, {}, cache_key="key") is False
    assert _step_run(meta, step).status is Status.STOPPED
    assert meta.lookup_cache("key") is None


def test_cache_entry_with_deleted_artifact_file_is_not_served(store: LocalStore) -> None:
    meta = store.metadata
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    saved = store.save_output([1, 2, 3])
    art = meta.record_artifact(
        "p::s::output", saved.uri, saved.content_hash, saved.data_type, saved.materializer, step
    )
    meta.finish_step(step, Status.COMPLETED, {"output": [art.id]}, cache_key="key")
    hit = meta.lookup_cache("key")
    assert hit is not None and store.load_artifact(hit["output"][0]) == [1, 2, 3]
    Path(saved.uri).unlink()
    assert meta.lookup_cache("key") is None
    assert meta.db.read(lambda c: queries.cached_outputs(c, "key")) is None  # entry deleted


def test_a_step_without_outputs_is_a_cache_hit(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    meta.finish_step(step, Status.COMPLETED, {}, cache_key="key")
    assert meta.lookup_cache("key") == {}


def test_artifact_versions_and_lookups(meta: MetadataStore) -> None:
    first, second = _artifact(meta, "model"), _artifact(meta, "model")
    other = _artifact(meta, "metrics")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert meta.get_artifact(first.id) == first
    assert meta.get_artifact(str(second.id)) == second
    assert meta.get_artifact_by_name("model") == second
    assert meta.get_artifact_by_name("model", 1) == first
    assert [a.version for a in meta.list_artifact_versions("model")] == [2, 1]
    calls: list[Callable[[], object]] = [
        lambda: meta.get_artifact(uuid.uuid4()),
        lambda: meta.get_artifact_by_name("model", 3),
        lambda: meta.get_artifact_by_name("modle"),
    ]
    for call in calls:
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "FP510"
    assert "did you mean `model`" in caught.value.diagnostic.message


def test_snapshots(meta: MetadataStore) -> None:
    first = meta.create_snapshot("snap", "chunks", '{"v": 1}', "app.flows", "/src/app/flows.py")
    second = meta.create_snapshot("snap", "chunks", '{"v": 2}', description="again")
    meta.create_snapshot("other", "else", "{}")
    assert meta.get_snapshot(first.id) == first
    assert meta.get_snapshot(str(first.id)).plan == '{"v": 1}'
    assert meta.get_snapshot("snap") == second
    assert meta.latest_snapshot("chunks") == second
    assert [s.id for s in meta.list_snapshots("chunks")] == [second.id, first.id]
    assert len(meta.list_snapshots()) == 3
    missing: list[Callable[[], object]] = [
        lambda: meta.get_snapshot("nope"),
        lambda: meta.latest_snapshot("none"),
    ]
    for call in missing:
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "FP516"


def test_a_long_lock_is_fp515_not_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    meta = MetadataStore(path, busy_timeout=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            meta.create_run("blocked", "p", {}, None, {})
        assert caught.value.code == "FP515"
        assert "database is locked" not in str(caught.value)
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    meta.create_run("unblocked", "p", {}, None, {})


def test_a_short_lock_is_waited_out(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    meta = MetadataStore(path, busy_timeout=10)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    meta.create_run("waited", "p", {}, None, {})
    release.join()
    holder.close()
    assert meta.get_run("waited").name == "waited"


def test_parameters_with_pydantic_values_are_stored_as_json(meta: MetadataStore) -> None:
    ident = uuid.uuid4()
    run_id = meta.create_run("r", "p", {"id": ident, "path": Path("/x")}, None, {})
    assert meta.get_run(run_id).parameters == {"id": str(ident), "path": "/x"}


def test_sqlite_errors_never_reach_users_raw(meta: MetadataStore) -> None:
    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {})
    with pytest.raises(StoreError) as caught:  # an output id with no artifact row
        meta.finish_step(step, Status.COMPLETED, {"output": [uuid.uuid4()]})
    assert caught.value.diagnostic.path == str(meta.path)
    assert _step_run(meta, step).status is Status.RUNNING


def test_complete_step_writes_attempts_artifacts_status_and_cache_at_once(
    meta: MetadataStore,
) -> None:
    from flowplan.store.db import NewArtifact

    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    new = NewArtifact("p::s::output", "/nowhere/x", "1" * 64, "int", "m:M", "output")
    records = meta.complete_step(step, Status.COMPLETED, attempts=[(1, 1.0, 2.0, "boom"),
                                 (2, 3.0, 4.0, None)], artifacts=[new], cache_key="key",
                                 stdout="out")
    assert records is not None and records["output"].version == 1
    step_run = _step_run(meta, step)
    assert step_run.status is Status.COMPLETED and step_run.stdout == "out"
    assert [(a.number, a.error) for a in step_run.attempts] == [(1, "boom"), (2, None)]
    assert step_run.outputs == {"output": (records["output"],)}
    hit = meta.db.read(lambda c: queries.cached_outputs(c, "key"))
    assert hit is not None and hit[1] == {"output": [records["output"]]}


def test_complete_step_of_a_stopped_step_writes_nothing(meta: MetadataStore) -> None:
    from flowplan.store.db import NewArtifact

    run_id = meta.create_run("r", "p", {}, None, {})
    step = meta.start_step(run_id, "s", "s", {}, {}, "key")
    meta.finish_step(step, Status.STOPPED)
    new = NewArtifact("p::s::output", "/nowhere/x", "1" * 64, "int", "m:M", "output")
    assert meta.complete_step(step, Status.COMPLETED, artifacts=[new], cache_key="key") is None
    assert meta.list_artifact_versions("p::s::output") == []
    assert meta.lookup_cache("key") is None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_whose_process_died_is_closed_as_failed(meta: MetadataStore) -> None:
    run_id = meta.create_run("orphan", "p", {}, None, {})
    meta.set_run_status(run_id, Status.RUNNING, pid=_dead_pid())
    done = meta.start_step(run_id, "a", "a", {}, {})
    meta.finish_step(done, Status.COMPLETED)
    running = meta.start_step(run_id, "b", "b", {}, {})
    alive = meta.create_run("alive", "p", {}, None, {})
    meta.set_run_status(alive, Status.RUNNING, pid=os.getpid())

    assert [r.name for r in meta.list_runs(status=Status.RUNNING)] == ["alive"]
    run = meta.get_run("orphan")
    assert run.status is Status.FAILED and run.ended is not None
    assert [w["code"] for w in run.warnings] == ["FP517"]
    assert "ended without finishing it" in run.warnings[0]["message"]
    assert _step_run(meta, done).status is Status.COMPLETED
    assert _step_run(meta, running).status is Status.STOPPED
    assert meta.reap_orphaned_runs() == []  # nothing left to close


def test_runs_of_another_machine_or_not_yet_running_are_left_alone(meta: MetadataStore) -> None:
    other = meta.create_run("elsewhere", "p", {}, None, {})
    meta.set_run_status(other, Status.RUNNING, pid=_dead_pid())
    meta.db.write(lambda c: c.execute("UPDATE runs SET host = 'another-machine'"))
    starting = meta.create_run("starting", "p", {}, None, {})  # its creator may hand it over
    meta.db.write(
        lambda c: c.execute("UPDATE runs SET pid = ? WHERE id = ?", (_dead_pid(), str(starting)))
    )
    assert meta.reap_orphaned_runs() == []
    assert meta.get_run("elsewhere").status is Status.RUNNING
    assert meta.get_run("starting").status is Status.INITIALIZING


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")
def test_a_zombie_process_counts_as_dead() -> None:
    from flowplan.store.catalog import process_alive

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while process_alive(proc.pid):  # exited but not waited for: a zombie
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.wait()
    assert process_alive(os.getpid())
