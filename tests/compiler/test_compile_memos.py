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


def test_an_unchanged_plan_is_not_hashed_again_and_a_changed_one_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hashlib

    from flowplan.compiler import plan as plan_module

    monkeypatch.setattr(plan_module, "_HASHED", {})
    hashed: list[bytes] = []

    def counted(data: bytes) -> str:
        hashed.append(data)
        return hashlib.sha256(data).hexdigest()

    monkeypatch.setattr(plan_module, "sha256_hex", counted)
    first, again = chain.compiled(n=4), chain.compiled(n=4)
    assert first.plan_json == again.plan_json and first.plan_hash == again.plan_hash
    assert len(hashed) == 1
    assert first.plan_hash == hashlib.sha256(first.plan_json.encode()).hexdigest()  # type: ignore[union-attr]
    changed = chain.compiled(n=5)
    assert len(hashed) == 2 and changed.plan_hash != first.plan_hash
    text = first.plan_json
    assert text is not None
    edited = text.replace('"line":', '"line": ', 1)  # same plan, other text: its own hash
    assert plan_module.plan_hash(edited) == hashlib.sha256(edited.encode()).hexdigest()
    for n in range(plan_module.HASHED_PLANS + 2):  # the memo keeps the latest few
        plan_module.plan_hash(f'{{"plan":{n}}}')
    assert len(plan_module._HASHED) == plan_module.HASHED_PLANS
    monkeypatch.setattr(plan_module, "HASHED_TEXT", 10)
    plan_module.plan_hash('{"a long plan": true}')  # too long to keep
    assert '{"a long plan": true}' not in plan_module._HASHED


def test_a_call_shape_is_bound_once_per_compile_and_a_wrong_one_names_its_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowplan.compiler.frontends import trace
    from flowplan.diagnostics import CompileError

    shapes: list[tuple[int, tuple[str, ...]]] = []
    bind = trace.bind

    def counted(step_id: str, inputs: object, n: int, keywords: list[str], where: object) -> object:
        shapes.append((n, tuple(keywords)))
        return bind(step_id, inputs, n, keywords, where)  # type: ignore[arg-type]

    monkeypatch.setattr(trace, "bind", counted)
    chain.compile(n=6)
    assert sorted(shapes) == [(0, ("x",)), (1, ())]

    @pipeline
    def wrong() -> None:
        v = inc(x=0)
        inc(v, id="fine")
        inc(v, y=1, id="unknown_input")  # type: ignore[call-arg]

    with pytest.raises(CompileError) as info:
        wrong.compile()
    assert [d.code for d in info.value.diagnostics] == ["FP208"]  # unknown input
    assert "unknown_input" in info.value.diagnostics[0].message


def test_a_pipeline_without_parameters_resolves_no_annotations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowplan.compiler import build

    resolved: list[object] = []
    type_hints = build.type_hints

    def counted(func: object) -> dict[str, object]:
        resolved.append(func)
        return type_hints(func)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "type_hints", counted)

    @pipeline
    def bare() -> None:
        inc(x=0)

    bare.compile()
    assert resolved == []
    assert chain.compile().parameters == {"n": 3} and resolved == [chain.entrypoint]
