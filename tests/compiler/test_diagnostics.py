"""Every compile-time diagnostic, triggered through the public API, at the right place.

Each ``fixtures/bad/fpXXX_<name>.py`` marks its problems inline: ``# expect: FP203:5`` on the
offending line (``:5`` is the column, given exactly when the diagnostic reports one; several
markers may share a line).  The test imports the fixture, compiles every public pipeline in it,
calls every ``case_*`` function (for problems raised when a decorator is applied), and compares
the exact multiset of (code, line, column) found with the markers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from flowplan import pipeline, step
from flowplan.codes import CATALOG
from flowplan.compiler.pipeline import CompiledPipeline, Pipeline
from flowplan.compiler.plan import (
    ArtifactRef,
    InputDef,
    Invocation,
    OutputDef,
    Plan,
    SourceLocation,
    StepSource,
)
from flowplan.compiler.validate import validate
from flowplan.diagnostics import CompileError, Diagnostic, Severity
from flowplan.enums import ExecutionMode
from tests.conftest import FIXTURES, load_fixture

BAD = FIXTURES / "bad"
MARKER = re.compile(r"#\s*expect:(.*)$")
TOKEN = re.compile(r"\b(FP\d{3})(?::(\d+))?")
# Fixtures that need an environment variable to report anything.
FIXTURE_ENV = {"fp101_missing_annotation.py": {"FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS": "1"}}
# Checked by hand below: the warning points into exec'd text, not into the fixture.
UNMARKED = {"fp107_source_unavailable.py"}
# Only a hand-built Plan can hold these (tracing never produces them); tested below.
HAND_BUILT = {"FP218"}

Found = tuple[str, int | None, int | None]


def expected(path: Path) -> Counter[Found]:
    """The ``# expect:`` markers of a fixture file."""
    marks: Counter[Found] = Counter()
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = MARKER.search(text)
        if match:
            for code, column in TOKEN.findall(match.group(1)):
                marks[(code, number, int(column) if column else None)] += 1
    return marks


def public_pipelines(module: ModuleType) -> Iterator[Pipeline]:
    for name, obj in vars(module).items():
        if isinstance(obj, Pipeline) and not name.startswith("_"):
            yield obj


def collect(module: ModuleType) -> list[Diagnostic]:
    """Every diagnostic (errors and warnings) from compiling the fixture's pipelines and
    calling its ``case_*`` functions; any other exception fails the test."""
    found: list[Diagnostic] = []
    actions = [p.compiled for p in public_pipelines(module)]
    actions += [f for name, f in vars(module).items() if name.startswith("case_")]
    for action in actions:
        try:
            result = action()
        except CompileError as exc:
            assert exc.diagnostics, f"{action} raised a CompileError without diagnostics"
            found += exc.diagnostics
        else:
            if isinstance(result, CompiledPipeline):
                found += result.warnings
    return found


def bad_fixtures() -> list[str]:
    return sorted(p.name for p in BAD.glob("fp*.py") if p.name not in UNMARKED)


@pytest.mark.parametrize("fixture", bad_fixtures())
def test_fixture_reports_exactly_its_markers(
    fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FIXTURE_ENV.get(fixture, {}).items():
        monkeypatch.setenv(name, value)
    path = BAD / fixture
    marks = expected(path)
    assert marks, f"{fixture} has no `# expect:` markers"
    diagnostics = collect(load_fixture(f"bad/{fixture}"))
    assert {d.path for d in diagnostics} == {str(path)}, [d.format() for d in diagnostics]
    assert Counter((d.code, d.line, d.column) for d in diagnostics) == marks, "\n".join(
        d.format() for d in diagnostics
    )
    for d in diagnostics:
        assert d.severity is CATALOG[d.code].severity, d.format()
        assert d.fix, f"{d.code} has no fix hint: {d.format()}"


def test_every_compile_time_code_has_a_fixture() -> None:
    covered = {c for p in BAD.glob("fp*.py") for c, _, _ in expected(p)} | HAND_BUILT
    covered.add("FP107")  # test_fp107_step_from_exec
    compile_time = {c for c in CATALOG if c[2] in "123"}
    assert compile_time <= covered, sorted(compile_time - covered)


def test_fixture_names_match_the_catalog() -> None:
    for path in BAD.glob("fp*.py"):
        code, _, name = path.stem.partition("_")
        assert CATALOG[code.upper()].name == name.replace("_", "-"), path.name


# -- what the markers cannot say ------------------------------------------------------------
def test_fp101_is_only_reported_when_annotations_are_enforced() -> None:
    module = load_fixture("bad/fp101_missing_annotation.py")
    assert module.annotations_pipeline.compiled().warnings == []


def test_fp107_step_from_exec() -> None:
    module = load_fixture("bad/fp107_source_unavailable.py")
    compiled = module.exec_pipeline.compiled()
    assert [(d.code, d.path, d.line, d.severity) for d in compiled.warnings] == [
        ("FP107", "<generated>", 2, Severity.WARNING)
    ]
    assert compiled.plan.ids() == ["generated"]


def test_fp113_step_is_compiled_but_not_cached() -> None:
    module = load_fixture("bad/fp113_uncacheable_closure.py")
    compiled = module.closure_pipeline.compiled()
    assert compiled.plan.invocation("predict").config.cacheable is False
    assert "`model` (Model)" in compiled.warnings[0].message


def fixes(fixture: str) -> list[str]:
    return [d.fix or "" for d in collect(load_fixture(f"bad/{fixture}"))]


@pytest.mark.parametrize(
    ("fixture", "hint"),
    [
        ("fp114_invalid_option.py", "did you mean `enable_cache`?"),
        ("fp114_invalid_option.py", "did you mean `execution_mode`?"),
        ("fp208_unknown_argument.py", "did you mean `factor`?"),
        ("fp202_unknown_after.py", "did you mean `load`?"),
        ("fp304_invalid_settings.py", "did you mean `orchestrator`?"),
        ("fp302_set_parameter.py", "pass a sorted list instead: sorted(columns)"),
    ],
)
def test_fix_hints_suggest_the_likely_name(fixture: str, hint: str) -> None:
    assert hint in fixes(fixture)


def test_all_problems_of_a_plan_are_reported_together() -> None:
    module = load_fixture("bad/fp206_type_mismatch.py")
    with pytest.raises(CompileError) as info:
        module.mismatch_pipeline.compile()
    assert len(info.value.diagnostics) == 4
    assert str(info.value).startswith(f"{BAD / 'fp206_type_mismatch.py'}:30:5: FP206 ")


# -- hand-built plans -----------------------------------------------------------------------
def invocation(id: str, line: int, **inputs: ArtifactRef) -> Invocation:
    return Invocation(
        id=id,
        step=id,
        source=StepSource(module="m", qualname=id, path="m.py", line=1),
        location=SourceLocation(path="m.py", line=line, column=5),
        inputs=dict(inputs),
        input_defs=[InputDef(name=name) for name in inputs],
        outputs=[OutputDef(name="output", artifact_name=f"p::{id}::output")],
    )


def hand_built(*invocations: Invocation) -> Plan:
    return Plan(pipeline="p", source=StepSource(module="m", qualname="p"),
                invocations=list(invocations))


def located(diagnostics: list[Diagnostic]) -> list[Found]:
    return [(d.code, d.line, d.column) for d in diagnostics]


def test_fp201_cycle_in_a_hand_built_plan() -> None:
    plan = hand_built(
        invocation("a", 10, x=ArtifactRef(step="c", output="output")),
        invocation("b", 11, x=ArtifactRef(step="a", output="output")),
        invocation("c", 12, x=ArtifactRef(step="b", output="output")),
    )
    problems = validate(plan, use_cache=False)
    assert located(problems) == [("FP201", 12, 5)]
    assert "a -> b -> c -> a" in problems[0].message


def test_fp218_input_reads_an_output_nobody_produces() -> None:
    plan = hand_built(
        invocation("a", 10),
        invocation("b", 11, x=ArtifactRef(step="a", output="model")),
        invocation("c", 12, x=ArtifactRef(step="z", output="output")),
    )
    assert located(validate(plan, use_cache=False)) == [("FP218", 11, 5), ("FP218", 12, 5)]


def test_fp203_duplicate_id_in_a_hand_built_plan() -> None:
    plan = hand_built(invocation("a", 10), invocation("a", 11))
    assert located(validate(plan, use_cache=False)) == [("FP203", 11, 5)]


def test_clean_plan_has_no_problems() -> None:
    @step
    def one() -> int:
        return 1

    @pipeline
    def clean() -> None:
        one()

    assert clean.compiled().warnings == []
    plan = hand_built(invocation("a", 10), invocation("b", 11, x=ArtifactRef(step="a", output="output")))
    assert validate(plan, use_cache=False) == []


@pytest.mark.parametrize(
    ("spelling", "mode"),
    [
        ("fail_fast", ExecutionMode.FAIL_FAST),
        ("STOP_ON_FAILURE", ExecutionMode.STOP_ON_FAILURE),
        ("continue_on_error", ExecutionMode.CONTINUE_ON_FAILURE),
        ("CONTINUE_ON_ERROR", ExecutionMode.CONTINUE_ON_FAILURE),
    ],
)
def test_fp305_is_not_raised_for_the_documented_spellings(
    spelling: str, mode: ExecutionMode
) -> None:
    @pipeline(execution_mode=spelling)
    def training() -> None:
        pass

    assert training.execution_mode is mode
