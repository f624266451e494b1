"""A snapshot pins the code it was taken of: after a step's code changes, triggering it is
refused with a diagnostic that names the step (FP519), before any run is created."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowplan import Client
from flowplan.diagnostics import FlowplanError

SCRIPT = textwrap.dedent("""
    from flowplan import pipeline, step

    @step
    def answer() -> int:
        return 41

    @step
    def report(value: int) -> int:
        return value

    @pipeline
    def pinned():
        report(answer())

    if __name__ == "__main__":
        pinned.create_snapshot(name="pinned-snap")
""")


@pytest.mark.slow
def test_changed_step_code_refuses_the_trigger(tmp_path: Path) -> None:
    script = tmp_path / "pinned_flow.py"
    script.write_text(SCRIPT)
    subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, check=True, env=dict(os.environ), timeout=120
    )
    client = Client()
    ran = client.trigger_pipeline("pinned-snap", synchronous=True)
    assert ran.status.value == "completed", ran.warnings
    assert ran.steps["report"].output.load() == 41

    script.write_text(SCRIPT.replace("return 41", "return 42"))
    for name in [m for m in sys.modules if m == "pinned_flow"]:
        del sys.modules[name]
    before = len(client.list_pipeline_runs())
    with pytest.raises(FlowplanError) as info:
        client.trigger_pipeline("pinned-snap", synchronous=True)
    assert info.value.code == "FP519"
    assert "step `answer`" in str(info.value) and "report" not in str(info.value)
    assert len(client.list_pipeline_runs()) == before


def test_other_parameters_may_give_other_steps_without_a_code_change() -> None:
    """A snapshot triggered with other parameters compiles to other invocations (a fan-out
    of another width): that is no code change; the same parameters with a step gone is."""
    from dataclasses import replace

    from flowplan import pipeline, step
    from flowplan.executor.background import code_changes

    @step
    def square(x: int) -> int:
        return x * x

    @pipeline
    def fan_out(width: int = 3) -> None:
        for i in range(width):
            square(i)

    wide = fan_out.compiled_with({}, width=5).plan
    narrow = fan_out.compiled_with({}, width=2).plan
    assert code_changes(wide, narrow) == []
    edited = replace(narrow.invocations[0], code_hash="0" * 64)
    changed = replace(narrow, invocations=[edited, *narrow.invocations[1:]])
    assert [c.split(" (")[0] for c in code_changes(wide, changed)] == [
        "the code of step `square`"
    ]
    fewer = replace(wide, invocations=wide.invocations[:-1])
    assert code_changes(wide, fewer) == ["step `square_5` is gone"]
