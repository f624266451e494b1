"""Property, in real processes on a real store: after the code of one step of a random DAG is
edited, the next run re-runs exactly that step and the steps that read its data (directly or
not); every other step -- steps ordered after it with ``after=`` included -- is a cache hit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dags import Dag, dags, node_id


def _script(dag: Dag, edited: int | None) -> str:
    lines = ["import json", "from flowplan import pipeline, step", ""]
    for i in range(dag.size):
        offset = 1 if i == edited else 0  # the edit: this step's value changes by one
        lines += ["@step"]
        if dag.data[i]:
            lines += [
                f"def {node_id(i)}(values: list[int]) -> int:",
                f"    return ({i} * 7 + {offset}"
                " + sum(v * (j + 2) for j, v in enumerate(values))) % 1009",
            ]
        else:
            lines += [f"def {node_id(i)}() -> int:", f"    return ({i} * 7 + {offset}) % 1009"]
        lines.append("")
    lines += ["@pipeline", "def edited_dag() -> None:"]
    for i in range(dag.size):
        after = ", ".join(f"o{p}" for p in dag.order[i])
        data = f"[{', '.join(f'o{p}' for p in dag.data[i])}]" if dag.data[i] else ""
        keyword = f"after=[{after}]" if after else ""
        arguments = ", ".join(a for a in (data, keyword) if a)
        lines.append(f"    o{i} = {node_id(i)}({arguments})")
    lines += [
        "",
        'if __name__ == "__main__":',
        "    run = edited_dag()",
        "    print(json.dumps({i: s.status.value for i, s in run.steps.items()}))",
    ]
    return "\n".join(lines) + "\n"


def _run(script: Path, home: Path) -> dict[str, str]:
    env = {**os.environ, "FLOWPLAN_HOME": str(home), "FLOWPLAN_QUIET": "1"}
    done = subprocess.run([sys.executable, str(script)], cwd=script.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    statuses: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return statuses


def _readers(dag: Dag, edited: int) -> set[int]:
    """The edited node and every node that reads its data, directly or through others."""
    found = {edited}
    for i in range(edited + 1, dag.size):
        if found & set(dag.data[i]):
            found.add(i)
    return found


@st.composite
def edits(draw: st.DrawFn) -> tuple[Dag, int]:
    dag = draw(dags(max_nodes=6))
    return dag, draw(st.integers(0, dag.size - 1))


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_editing_one_step_reruns_it_and_its_readers_only(edit: tuple[Dag, int]) -> None:
    dag, edited = edit
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        script = root / "edited_dag_flow.py"
        script.write_text(_script(dag, None))
        first = _run(script, root / "home")
        assert set(first.values()) == {"completed"}
        script.write_text(_script(dag, edited))
        second = _run(script, root / "home")
    rerun = {node_id(i) for i in _readers(dag, edited)}
    assert {i for i, status in second.items() if status == "completed"} == rerun
    assert {i for i, status in second.items() if status == "cached"} == set(second) - rerun
