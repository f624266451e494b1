"""A large file checked by several processes (``flowplan.lint.shards``) reports exactly what
one process reports: on every rule's examples, on rules that need the whole module, and when
a shard's process fails or hangs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowplan.compiler.frontends.static.definitions import StepDef
from flowplan.compiler.frontends.static.facts import SIGNATURE_BLOCK
from flowplan.compiler.frontends.static.program import Program
from flowplan.diagnostics import Diagnostic
from flowplan.lint import shards
from flowplan.lint.checker import check_file
from flowplan.lint.config import load_config
from flowplan.lint.registry import all_rules, example_files
from flowplan.lint.results import FileResult
from flowplan.lint.shards import SHARD_BYTES, Shard, check_shards, shard_count
from tests.lint.helpers import write_project

EXAMPLES = [(rule.name, kind, i) for rule in all_rules() for kind in ("valid", "invalid")
            for i in range(len(getattr(rule, kind)))]


def checked(root: Path, name: str, count: int) -> FileResult:
    path = (root / name).resolve()
    return check_file(path, path.read_bytes(), Program([root]), load_config(root), count)


@pytest.mark.parametrize(("rule", "kind", "index"), EXAMPLES)
def test_every_example_reports_the_same_in_shards(
    rule: str, kind: str, index: int, tmp_path: Path
) -> None:
    example = next(r for r in all_rules() if r.name == rule)
    files = example_files(getattr(example, kind)[index])
    root = write_project(tmp_path / "project", files)
    for name in (n for n in files if n.endswith(".py")):
        alone = checked(root, name, 1)
        for count in (2, 3):
            assert checked(root, name, count) == alone


def module(kinds: list[str]) -> str:
    """A module with a step (``s``) or a pipeline calling the step before it (``p``) for
    each of ``kinds``."""
    lines = ["from flowplan import pipeline, step", ""]
    for k, kind in enumerate(kinds):
        if kind == "s":
            lines += ["@step", f"def step_{k}(value: int) -> int:", "    return value", ""]
        else:
            lines += ["@pipeline", f"def pipe_{k}() -> None:", "    pass", ""]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from("sp"), max_size=30), count=st.integers(1, 5))
def test_shards_split_the_definitions_into_consecutive_parts(
    kinds: list[str], count: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("shards")
    path = root / "many.py"
    path.write_text(module(kinds))
    program = Program([root])
    program.begin()
    program.source_from(path, path.read_bytes())
    facts = program.facts_for(path)
    assert facts is not None
    parts = [Shard(index, count).definitions(facts) for index in range(count)]
    assert sorted(id(d) for part in parts for d in part) == sorted(map(id, facts.definitions))
    for kind in (StepDef, None):
        group = [d for d in facts.definitions if isinstance(d, StepDef) == (kind is StepDef)]
        sizes = [len([d for d in part if isinstance(d, StepDef) == (kind is StepDef)])
                 for part in parts]
        assert max(sizes) - min(sizes) <= 1  # balanced
        joined = [d for part in parts for d in part
                  if isinstance(d, StepDef) == (kind is StepDef)]
        assert joined == group  # consecutive, in the module's order


CACHING = """\
import random

from flowplan import pipeline, step


@step
def pick() -> int:
    return random.randint(0, 9)


@step
def draw() -> int:
    return random.randint(0, 9)


@pipeline
def cached_draw() -> None:
    draw()


@pipeline(enable_cache=False)
def uncached_pick() -> None:
    pick()


@pipeline(enable_cache=False)
def also_uncached_draw() -> None:
    draw()


@pipeline
def cached_pick() -> None:
    pick()
"""


def test_a_rule_that_needs_every_pipeline_sees_those_of_other_shards(tmp_path: Path) -> None:
    # In two shards, the step ``pick`` is in the first and the only pipeline caching it in
    # the second; ``draw`` is in the second, the only pipeline caching it in the first.
    root = write_project(tmp_path / "project", {"caching.py": CACHING})
    alone = checked(root, "caching.py", 1)
    assert [(d.code, d.line) for d in alone.diagnostics] == [("FP802", 8), ("FP802", 13)]
    assert checked(root, "caching.py", 2) == alone


def test_signatures_are_read_by_block_and_whole_when_one_needs_libcst(tmp_path: Path) -> None:
    # A parenthesised annotation is read through libcst, which parses the whole module:
    # every signature not read yet is then read with it.
    count = 2 * SIGNATURE_BLOCK + 1  # the last block holds one step
    lines = ["from flowplan import pipeline, step", ""]
    for k in range(count):
        annotation = "(int)" if k == 5 else "int"
        lines += ["@step", f"def step_{k}(value: {annotation} = 1) -> int:",
                  "    return value", ""]
    lines += ["@pipeline", "def chain() -> None:", f"    step_{count - 1}(value='x')", ""]
    root = write_project(tmp_path / "project", {"many.py": "\n".join(lines)})
    path = (root / "many.py").resolve()
    program = Program([root])
    program.begin()
    program.source_from(path, path.read_bytes())
    facts = program.facts_for(path)
    assert facts is not None
    steps = facts.steps
    later = facts.signature(steps[-1])  # its block only
    assert later.inputs[0].name == "value" and len(facts._signatures) == 1
    odd = facts.signature(steps[5])
    assert odd.inputs[0].annotation == "(int)"  # the text libcst reads
    assert len(facts._signatures) == count  # the rest read with the libcst reading
    assert [facts.signature(s).name for s in steps] == [s.name for s in steps]
    alone = checked(root, "many.py", 1)
    assert [(d.code, d.line) for d in alone.diagnostics] == [("FP306", 4 * count + 5)]
    assert checked(root, "many.py", 2) == alone


def _answer(shard: Shard) -> shards.Found:
    found = [Diagnostic(code="FP207", message=f"shard {shard.index}", path="x.py", line=1)]
    return found, {f"dep{shard.index}": "digest"}


def test_a_shard_whose_process_fails_is_checked_here() -> None:
    parent = os.getpid()

    def check(shard: Shard) -> shards.Found:
        if os.getpid() != parent:
            raise RuntimeError("a failing shard process")
        return _answer(shard)

    found, depends = check_shards(check, 3)
    assert sorted(d.message for d in found) == ["shard 0", "shard 1", "shard 2"]
    assert depends == {"dep0": "digest", "dep1": "digest", "dep2": "digest"}


def test_a_shard_whose_process_hangs_is_ended_and_checked_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shards, "MIN_WAIT", 0.5)
    parent = os.getpid()

    def check(shard: Shard) -> shards.Found:
        if os.getpid() != parent:
            time.sleep(60)
        return _answer(shard)

    started = time.monotonic()
    found, _ = check_shards(check, 2)
    assert time.monotonic() - started < 10
    assert sorted(d.message for d in found) == ["shard 0", "shard 1"]


def test_shard_count_follows_size_and_free_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "can_fork", lambda: True)  # other tests may leave threads
    assert shard_count(SHARD_BYTES - 1, 2) == 1
    assert shard_count(10 * SHARD_BYTES, 1) == 1
    assert shard_count(SHARD_BYTES, 2) == 2
    assert shard_count(10 * SHARD_BYTES, 4) == 4
    assert shard_count(SHARD_BYTES, 8) == 2  # a shard is worth a fork only when large


def test_no_fork_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert shards.can_fork() == sys.platform.startswith("linux")
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not shards.can_fork()
    assert shard_count(10 * SHARD_BYTES, 2) == 1


def large_module(steps: int) -> str:
    """``steps`` steps and pipelines of 100 of them, with a mistake in each half."""
    lines = ["from flowplan import pipeline, step", ""]
    for k in range(steps):
        lines += ["@step", f"def step_{k}(value: int = {k}) -> int:", "    return value + 1", ""]
    for start in range(0, steps, 100):
        lines += ["@pipeline", f"def chain_{start}() -> None:", f"    out = step_{start}()"]
        lines += [f"    out = step_{k}(out, missing=1)" if k % 1000 == 7 else
                  f"    out = step_{k}(out)" for k in range(start + 1, min(start + 100, steps))]
        lines.append("")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_flow_check_of_a_large_file_in_two_processes_reports_what_one_does(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path / "project", {"large.py": large_module(3_000)})
    assert (root / "large.py").stat().st_size >= SHARD_BYTES
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "flowplan.cli", "check", "--no-cache", "--jobs", jobs,
             "--format", "json", "large.py"],
            cwd=root, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 1, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    lines = sorted(d["line"] for d in outputs[0])
    assert len(lines) == 3 and lines[0] < lines[-1]
