"""A cached output whose class is defined in the pipeline's file is read back as that class
by a step that re-runs in another process: the next run of the script, under the other
isolation, or on a Dask cluster (tests/dask/test_pipeline_file_classes.py).  Each run is a
separate ``python pipeline.py HOW`` process, as when a user runs a script twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """
    import os
    import sys
    from dataclasses import dataclass

    from pydantic import BaseModel

    from flowplan import pipeline, step


    class Model(BaseModel):  # stored as JSON
        x: int


    @dataclass
    class Data:  # JSON from the driver; cloudpickle where it is rebuilt by value
        x: int
        tags: list = None


    class Plain:  # cloudpickle
        def __init__(self, x: int) -> None:
            self.x = x


    @step
    def make_model() -> Model:
        return Model(x=1)


    @step
    def make_data() -> Data:
        return Data(x=2)


    @step
    def make_plain() -> list[Plain]:
        return [Plain(3)]


    @step(enable_cache=False)
    def use(m: Model, d: Data, p: list[Plain]) -> str:
        kinds = [type(m) is Model, type(d) is Data, type(p[0]) is Plain]
        assert all(kinds), (kinds, type(m), type(d), type(p[0]))
        return f"{m.x + d.x + p[0].x} in {os.getpid()}"


    @pipeline
    def classes() -> None:
        use(make_model(), make_data(), make_plain())


    how = sys.argv[1]
    where = {"dask_address": os.environ.get("ADDRESS")} if how == "dask" else {"isolation": how}
    run = classes.with_options(settings={"orchestrator": where})()
    print("cached:", sorted(k for k, s in run.steps.items() if s.status.value == "cached"))
    print("use:", run.steps["use"].output.load())
    print("here:", type(run.steps["make_plain"].output.load()[0]).__qualname__)
"""


def run_twice(tmp_path: Path, first: str, second: str, address: str = "") -> str:
    """Run the script with ``first`` then with ``second``; the second run's output."""
    script = tmp_path / "pipeline.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / "home"), "ADDRESS": address}
    out = ""
    for how in (first, second):
        done = subprocess.run(
            [sys.executable, str(script), how], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
    return out


def check_second_run(out: str) -> None:
    assert "cached: ['make_data', 'make_model', 'make_plain']" in out
    assert "use: 6 in" in out
    assert "here: Plain" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("first", "second"), [("thread", "thread"), ("thread", "process"), ("process", "thread")]
)
def test_cached_outputs_of_classes_of_the_script_load_in_the_next_run(
    tmp_path: Path, first: str, second: str
) -> None:
    out = run_twice(tmp_path, first, second)
    check_second_run(out)
    if second == "process":
        assert f"in {os.getpid()}" not in out
