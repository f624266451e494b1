"""Several processes, each with several threads, writing one store at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowplan.store.local import LocalStore

PROCESSES, THREADS, RUNS = 4, 3, 15

_WORKER = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from flowplan.diagnostics import StoreError
    from flowplan.enums import ExecutionStatus
    from flowplan.store.local import LocalStore

    home, proc, threads, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = LocalStore.open(home)
    failures = []

    def work(thread):
        try:
            for i in range(runs):
                run = store.metadata.create_run(f"{proc}-{thread}-{i}", "p", {"i": i}, None, {})
                step = store.metadata.start_step(run, "s", "s", {}, {}, f"{proc}-{thread}-{i}")
                saved = store.save_output({"proc": proc, "thread": thread, "i": i})
                art = store.metadata.record_artifact(
                    "p::s::output", saved.uri, saved.content_hash, saved.data_type,
                    saved.materializer, step, "output")
                store.metadata.finish_step(
                    step, ExecutionStatus.COMPLETED, {"output": [art.id]},
                    cache_key=f"{proc}-{thread}-{i}")
                try:  # every worker also competes for the same run names
                    store.metadata.create_run(f"shared-{i}", "p", {}, None, {})
                except StoreError as exc:
                    assert exc.code == "FP501", exc
                store.metadata.finish_run(run, ExecutionStatus.COMPLETED)
        except BaseException as exc:
            failures.append(repr(exc))

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print("\\n".join(failures))
    sys.exit(1 if failures else 0)
    """
)


@pytest.mark.slow
def test_processes_and_threads_lose_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(home), f"p{n}", str(THREADS), str(RUNS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, outputs
    assert not any("locked" in out for out in outputs)

    store = LocalStore.open(home)
    meta = store.metadata
    per_worker = PROCESSES * THREADS * RUNS
    runs = meta.list_runs()
    assert len([r for r in runs if not r.name.startswith("shared-")]) == per_worker
    assert sorted(r.name for r in runs if r.name.startswith("shared-")) == sorted(
        f"shared-{i}" for i in range(RUNS)
    )
    versions = [a.version for a in meta.list_artifact_versions("p::s::output")]
    assert sorted(versions) == list(range(1, per_worker + 1))  # no lost or duplicate version
    for n in range(PROCESSES):
        for t in range(THREADS):
            for i in range(RUNS):
                hit = meta.lookup_cache(f"p{n}-{t}-{i}")
                assert hit is not None
                value = store.load_artifact(hit["output"][0])
                assert value == {"proc": f"p{n}", "thread": t, "i": i}
    store.close()
