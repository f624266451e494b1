"""Paged reads for the dashboard: filters, totals, step counts, cache provenance."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flowplan.enums import ExecutionStatus as S
from flowplan.store import browse
from flowplan.store.db import MetadataStore
from flowplan.store.schema import MIGRATIONS


def make_runs(meta: MetadataStore, pipeline: str, statuses: list[S]) -> list[str]:
    ids = []
    for i, status in enumerate(statuses):
        run_id = meta.create_run(f"{pipeline}-{i}", pipeline, {}, None, {})
        step = meta.start_step(run_id, "only", "only", {}, {})
        meta.finish_step(step, status)
        meta.finish_run(run_id, status)
        ids.append(str(run_id))
    return ids


def test_run_page_filters_pages_and_counts(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "flowplan.db")
    a = make_runs(meta, "a", [S.COMPLETED, S.FAILED, S.COMPLETED, S.COMPLETED, S.FAILED])
    b = make_runs(meta, "b", [S.COMPLETED, S.CACHED])
    meta.create_run("hidden", "a", {}, None, {}, unlisted=True)

    everything = browse.run_page(meta.db, limit=3)
    assert everything.total == 7
    assert [str(r.id) for r in everything.runs] == [b[1], b[0], a[4]]  # newest first
    assert everything.step_counts[everything.runs[0].id] == {"cached": 1}

    second = browse.run_page(meta.db, limit=3, offset=3)
    assert [str(r.id) for r in second.runs] == [a[3], a[2], a[1]]
    failed = browse.run_page(meta.db, pipeline="a", status=S.FAILED)
    assert (failed.total, [str(r.id) for r in failed.runs]) == (2, [a[4], a[1]])
    assert browse.run_page(meta.db, pipeline="nope").total == 0


def test_pipelines_have_their_run_count_and_latest_run(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "flowplan.db")
    make_runs(meta, "train", [S.COMPLETED, S.FAILED])
    make_runs(meta, "etl", [S.COMPLETED])
    found = browse.pipelines(meta.db)
    assert [(p.name, p.run_count) for p in found] == [("etl", 1), ("train", 2)]
    latest = found[1].latest
    assert latest is not None and (latest.name, latest.status) == ("train-1", S.FAILED)


def test_cache_sources_name_the_step_run_that_produced_the_outputs(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "flowplan.db")
    first = meta.create_run("first", "p", {}, None, {})
    producer = meta.start_step(first, "load", "load", {}, {}, cache_key="k")
    artifact = meta.record_artifact("p::load::output", "/x", "0" * 64, "int", "json", producer,
                                    "output")
    meta.finish_step(producer, S.COMPLETED, {"output": [artifact.id]}, cache_key="k")
    second = meta.create_run("second", "p", {}, None, {})
    reuser = meta.start_step(second, "load", "load", {}, {})
    meta.finish_step(reuser, S.CACHED, {"output": [artifact.id]})

    [source] = browse.cache_sources(meta.db, reuser)
    assert (source.step_run_id, source.run_id, source.run_name) == (producer, first, "first")
    assert browse.cache_sources(meta.db, producer) == []
    assert browse.step_run_id(meta.db, second, "load") == reuser
    assert browse.step_run_id(meta.db, second, "nope") is None
    assert [s.status for s in browse.step_summaries(meta.db, second)] == [S.CACHED]


def test_runs_remember_their_snapshot(tmp_path: Path) -> None:
    meta = MetadataStore(tmp_path / "flowplan.db")
    snap = meta.create_snapshot("nightly", "p", "{}")
    run_id = meta.create_run("r", "p", {}, None, {}, snapshot_id=snap.id)
    meta.create_run("other", "p", {}, None, {})
    assert meta.get_run(run_id).snapshot_id == snap.id
    assert browse.snapshot_run_counts(meta.db) == {snap.id: 1}
    assert [r.name for r in browse.run_page(meta.db, snapshot_id=snap.id).runs] == ["r"]


def test_a_version_2_store_gains_the_snapshot_column_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    old = MetadataStore(path, migrations=MIGRATIONS[:2])
    old.db.write(
        lambda c: c.execute(
            "INSERT INTO runs (id, name, pipeline, status, parameters, config, created)"
            " VALUES ('8f4e2d61-6f0c-4d59-9a57-2f3c2b0d3a11', 'before', 'p', 'completed',"
            " '{}', '{}', 1.0)"
        )
    )
    old.close()
    meta = MetadataStore(path)
    assert meta.get_run("before").snapshot_id is None
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM runs WHERE unlisted = 0 AND status = 'failed'"
        ).fetchall()
    assert {"runs_by_snapshot", "runs_by_status_listed", "runs_by_pipeline_status"} <= indexes
    assert "COVERING INDEX runs_by_status_listed" in " ".join(str(row[-1]) for row in plan)
