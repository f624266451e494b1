"""What compiling a pipeline remembers between calls, and what it must notice: a verdict is
read from disk once per process (by the plan's hash, so a changed plan gets its own); a
step call's place in the body is read once per instruction of the body."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.compiler import verdict_cache
from flowplan.compiler.validate import validate


@step
def inc(x: int) -> int:
    return x + 1


def twice(v: object) -> object:
    return inc(inc(v))  # type: ignore[arg-type]


@pipeline
def chain(n: int = 3) -> None:
    v = inc(x=0)
    for _ in range(n):
        v = inc(v)
    twice(v)


def test_a_verdict_is_read_from_disk_once_and_each_plan_has_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(verdict_cache, "_KNOWN", {})
    compiled = chain.compiled()
    assert compiled.plan_hash is not None
    verdicts = list((tmp_path / "verdicts").iterdir())
    assert len(verdicts) == 1
    verdicts[0].unlink()  # a verdict known in this process is not read again
    read_text = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read from disk"))
    assert chain.compiled().plan_hash == compiled.plan_hash
    assert validate(compiled.plan) == []
    monkeypatch.setattr(Path, "read_text", read_text)
    plan = compiled.plan
    plan.invocations[1].after = ["nowhere"]  # changed: its own verdict, not the known one
    assert [d.code for d in validate(plan)] == ["FP202"]


def test_the_same_line_run_again_and_calls_through_a_helper_have_their_places() -> None:
    plan = chain.compiled(n=3).plan
    lines = {inv.id: inv.location.line for inv in plan.invocations}
    first = chain.entrypoint.__code__.co_firstlineno
    assert lines["inc"] == first + 2
    assert {lines[f"inc_{i}"] for i in (2, 3, 4)} == {first + 4}  # one line, three calls
    assert lines["inc_5"] == lines["inc_6"] == first + 5  # inside twice(): its call in the body
    columns = {inv.location.column for inv in plan.invocations[1:4]}
    assert len(columns) == 1
    again = chain.compiled(n=3)
    assert again.plan_json == chain.compiled(n=3).plan_json
