"""Many runs writing one store at once, from processes and from threads in each (issue 6):
nothing is lost, "database is locked" never reaches a user, and run names stay unique --
runs named by the same ``{time}`` template all get a name, and of the runs racing for one
fixed name exactly one wins while the others are refused with ``FP501``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.diagnostics import FlowplanError
from flowplan.executor import run as run_module
from flowplan.store.local import LocalStore

PROCESSES, THREADS, ROUNDS = 4, 2, 12

WORKER = """
    import json, sys, threading
    from flowplan import pipeline, step
    from flowplan.diagnostics import FlowplanError

    proc, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    @step(enable_cache=False)
    def make(tag: str, i: int) -> dict:
        return {"tag": tag, "i": i}

    @step(enable_cache=False)
    def size(record: dict) -> int:
        return len(record["tag"]) + record["i"]

    @step
    def constant() -> int:  # cached: concurrent runs race to fill and to hit the cache
        return 42

    @pipeline(run_name="stress-{date}-{time}")
    def stressed(tag: str, i: int) -> None:
        size(make(tag, i))
        constant()

    stressed.compile(tag="warm", i=0)  # compile once before the threads start
    report = {"ran": [], "refused": [], "errors": []}
    lock = threading.Lock()

    def work(thread):
        tag = f"{proc}-{thread}"
        for i in range(rounds):
            for configured in (stressed, stressed.with_options(run_name=f"fixed-{i}")):
                try:
                    run = configured(tag=tag, i=i)
                    entry, key = [run.name, tag, i, run.status.value], "ran"
                except FlowplanError as exc:
                    entry, key = [exc.code, str(exc)], "refused"
                except BaseException as exc:
                    entry, key = [type(exc).__name__, str(exc)], "errors"
                with lock:
                    report[key].append(entry)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print("REPORT " + json.dumps(report))
"""


@pytest.mark.slow
def test_concurrent_runs_lose_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "stress.py"
    script.write_text(textwrap.dedent(WORKER))
    env = {**os.environ, "FLOWPLAN_HOME": str(home), "FLOWPLAN_QUIET": "1", "PYTHONFAULTHANDLER": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), f"p{n}", str(THREADS), str(ROUNDS)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for n in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, outputs
    assert not any("locked" in out.lower() for out in outputs), outputs
    reports = [json.loads(out.split("REPORT ", 1)[1]) for out in outputs]
    assert [r["errors"] for r in reports] == [[]] * PROCESSES

    ran = [entry for r in reports for entry in r["ran"]]
    refused = [entry for r in reports for entry in r["refused"]]
    workers = PROCESSES * THREADS
    assert {entry[3] for entry in ran} == {"completed"}
    stress = [e for e in ran if e[0].startswith("stress-")]
    fixed = [e for e in ran if e[0].startswith("fixed-")]
    assert len(stress) == workers * ROUNDS  # every templated run got a name and ran
    assert Counter(e[0] for e in fixed) == {f"fixed-{i}": 1 for i in range(ROUNDS)}
    assert len(refused) == (workers - 1) * ROUNDS
    assert {code for code, _ in refused} == {"FP501"}

    store = LocalStore.open(home)
    runs = store.metadata.list_runs()
    assert sorted(r.name for r in runs) == sorted(e[0] for e in ran)  # no lost, no extra run
    assert all(r.status.value == "completed" for r in runs)
    total_steps, constant_computed = 0, 0
    for record in runs:
        steps = {s.invocation_id: s for s in store.metadata.get_step_runs(record.id)}
        assert sorted(steps) == ["constant", "make", "size"]
        assert steps["make"].status.value == steps["size"].status.value == "completed"
        assert steps["constant"].status.value in ("completed", "cached")
        constant_computed += steps["constant"].status.value == "completed"
        total_steps += len(steps)
    assert total_steps == 3 * len(ran)
    versions = store.metadata.list_artifact_versions("stressed::make::output")
    assert sorted(v.version for v in versions) == list(range(1, len(ran) + 1))
    values = Counter((v["tag"], v["i"]) for v in map(store.load_artifact, versions))
    expected = Counter((e[1], e[2]) for e in ran)
    assert values == expected  # each run's own output, none lost or swapped
    sizes = store.metadata.list_artifact_versions("stressed::size::output")
    assert len(sizes) == len(ran)
    constants = store.metadata.list_artifact_versions("stressed::constant::output")
    assert len(constants) == constant_computed >= 1
    store.close()


@step(enable_cache=False)
def one() -> int:
    return 1


@pipeline(run_name="clocked-{time}")
def clocked() -> None:
    one()


def test_a_clock_named_run_that_clashes_takes_the_next_tick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = clocked()
    names = iter([first.name, "clocked-later"])  # the clock gives a taken name first
    monkeypatch.setattr(run_module, "run_name", lambda *args: next(names))
    assert clocked().name == "clocked-later"


def test_a_fixed_run_name_that_clashes_is_refused() -> None:
    fixed = clocked.with_options(run_name="fixed")
    fixed()
    with pytest.raises(FlowplanError) as info:
        fixed()
    assert info.value.code == "FP501"
