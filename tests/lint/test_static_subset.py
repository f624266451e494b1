"""What the static front end follows: the seed pipelines as traced, import spellings,
composed pipelines, branches, loops, module constants, helpers, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.compiler.frontends.static import Program, check_pipeline
from flowplan.compiler.frontends.static.plans import PipelineCheck
from flowplan.compiler.pipeline import Pipeline
from flowplan.diagnostics import CompileError
from tests.conftest import FIXTURES, load_fixture
from tests.lint.test_front_ends import assert_same_plan

SEEDS = ["seeds/basics.py", "seeds/advanced.py"]


def seed_pipelines() -> list[tuple[str, str]]:
    return [(seed, name) for seed in SEEDS
            for name, obj in vars(load_fixture(seed)).items() if isinstance(obj, Pipeline)]


@pytest.mark.parametrize(("seed", "name"), seed_pipelines())
def test_seed_pipelines_read_statically_equal_their_traced_plans(seed: str, name: str) -> None:
    try:
        traced = getattr(load_fixture(seed), name).compile()
    except CompileError:
        pytest.skip("needs parameter values to compile")
    facts = Program([FIXTURES]).facts_for(FIXTURES / seed)
    assert facts is not None
    check = check_pipeline(facts.lookup(name))
    assert [d.format() for d in check.diagnostics] == []
    assert_same_plan(check.plans[0], traced)


def check(tmp_path: Path, source: str, name: str = "p", **files: str) -> PipelineCheck:
    for file, text in {"pipes.py": source, **files}.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text(text)
    facts = Program([tmp_path]).facts_for(tmp_path / "pipes.py")
    assert facts is not None
    return check_pipeline(facts.lookup(name))


def test_import_spellings(tmp_path: Path) -> None:
    found = check(tmp_path, (
        "import flowplan\nfrom flowplan import step as s, pipeline as pl\n\n"
        "@flowplan.step\ndef a() -> int:\n    return 1\n\n@s(enable_cache=False)\n"
        "def b(x: int) -> int:\n    return x\n\n@pl\ndef p() -> None:\n    b(a())\n"
    ))
    [plan] = found.plans
    assert plan.ids() == ["a", "b"] and plan.invocations[1].config.enable_cache is False


def test_steps_from_other_files_and_a_composed_pipeline(tmp_path: Path) -> None:
    lib = ("from flowplan import pipeline, step\n\n@step\ndef load(n: int) -> int:\n"
           "    return n\n\n@pipeline\ndef loading(n: int = 1) -> int:\n    return load(n)\n")
    found = check(tmp_path, (
        "from flowplan import pipeline\nfrom pkg.lib import load, loading\n\n"
        "@pipeline\ndef p() -> None:\n    loading()\n    loading(n=2)\n    load(3)\n"
    ), **{"pkg/__init__.py": "", "pkg/lib.py": lib})
    [plan] = found.plans
    assert plan.ids() == ["load", "load_2", "load_3"]
    assert [i.location.line for i in plan.invocations] == [9, 9, 8]


def test_known_branch_constants_comprehension_and_helper(tmp_path: Path) -> None:
    found = check(tmp_path, (
        "from flowplan import pipeline, step\n\nN = 3\nPREFIX = 'w'\n\n"
        "@step\ndef work(i: int) -> int:\n    return i\n\n"
        "def twice(i):\n    return [work(i, id=f'{PREFIX}_{i}_{k}') for k in range(2)]\n\n"
        "@pipeline\ndef p(mode: str = 'all') -> None:\n"
        "    if mode == 'all':\n        outs = [work(i) for i in range(N)]\n"
        "    else:\n        outs = []\n    twice(9)\n"
    ))
    [plan] = found.plans
    assert plan.ids() == ["work", "work_2", "work_3", "w_9_0", "w_9_1"]
    assert plan.invocations[-1].location.line == 19  # the helper's call, as traced
    assert found.partial == []
