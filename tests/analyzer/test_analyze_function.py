"""``analyze_function`` on live functions: files, closures, scripts, exec'd code."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest

from flowplan.analyzer.analyze import analyze_function, analyze_source, enforce_annotations
from flowplan.analyzer.fallback import bytecode_hash
from flowplan.diagnostics import CompileError, Severity

Loader = Callable[..., ModuleType]

STEPS = '''\
from typing import Annotated, Tuple

SCALE = 3


def step(func=None, **options):
    """A stand-in decorator."""
    return func if func is not None else (lambda f: f)


@step
def divide(a: int, b: int) -> Tuple[int, int]:
    return a // b, a % b


@step(enable_cache=False)
def scaled(x):
    return x * SCALE


def make(factor: int):
    @step
    def inner(x: int) -> Annotated[int, "product"]:
        return x * factor

    return inner
'''


def file_of(mod: ModuleType) -> str:
    assert mod.__file__ is not None
    return mod.__file__


def test_module_level_steps_match_the_static_analysis(load_module: Loader) -> None:
    mod = load_module(STEPS)
    static = analyze_source(STEPS, file_of(mod))
    divide = analyze_function(mod.divide)
    assert divide == static.functions["divide"]
    assert divide.output_names == ("output_0", "output_1") and divide.multi_output
    assert divide.path == mod.__file__ and divide.line == 11
    scaled = analyze_function(mod.scaled)
    assert scaled.missing_annotations == ("x", "return")
    assert scaled.diagnostics == ()


def test_closure_steps(load_module: Loader) -> None:
    mod = load_module(STEPS)
    inner = analyze_function(mod.make(2))
    assert inner.qualname == "make.<locals>.inner"
    assert inner.output_names == ("product",)
    assert inner.code_hash == analyze_function(mod.make(5)).code_hash


def test_wrapped_functions_are_unwrapped(load_module: Loader) -> None:
    mod = load_module(STEPS)

    @functools.wraps(mod.divide)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return mod.divide(*args, **kwargs)

    assert analyze_function(wrapper) == analyze_function(mod.divide)


def test_a_step_of_a_script_run_as_main(tmp_path: Path, cache_dir: Path) -> None:
    script = tmp_path / "pipeline_script.py"
    script.write_text(
        textwrap.dedent("""\
        import json
        from typing import Tuple
        from flowplan.analyzer.analyze import analyze_function

        def step(f):
            return f

        @step
        def split(a: int) -> Tuple[int, int]:
            return a, a

        print(json.dumps(analyze_function(split).to_json()))
        """)
    )
    env = {**os.environ, "FLOWPLAN_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )
    sig = json.loads(done.stdout)
    assert sig["source_available"] is True
    assert [o["name"] for o in sig["outputs"]] == ["output_0", "output_1"]
    assert sig["line"] == 8


EXECED = """\
from typing import Annotated, Tuple

def pair(a: int, b=2) -> Tuple[int, int]:
    return a, b

def named() -> Annotated[int, "answer"]:
    return 42

def nothing() -> None:
    pass

def bad() -> Annotated[int, 1, 2]:
    return 1
"""


def exec_source(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<string>", "exec"), namespace)
    return namespace


def test_exec_code_falls_back_to_bytecode() -> None:
    ns = exec_source(EXECED)
    pair = analyze_function(ns["pair"])
    assert not pair.source_available
    (warning,) = pair.diagnostics
    assert warning.code == "FP107" and warning.severity is Severity.WARNING
    assert "bytecode" in warning.message and warning.fix and ".py file" in warning.fix
    assert (warning.path, warning.line) == ("<string>", 3)
    # No return statement can be seen: a fixed-length Tuple stays one output.
    assert [(o.name, o.annotation) for o in pair.outputs] == [("output", "Tuple[int, int]")]
    assert not pair.multi_output
    assert [(i.name, i.annotation, i.default_source) for i in pair.inputs] == [
        ("a", "int", None),
        ("b", None, "2"),
    ]
    assert pair.missing_annotations == ("b",)
    assert pair.code_hash == bytecode_hash(ns["pair"].__code__)
    assert analyze_function(ns["named"]).output_names == ("answer",)
    assert analyze_function(ns["nothing"]).outputs == ()
    codes = [d.code for d in analyze_function(ns["bad"]).diagnostics]
    assert codes == ["FP107", "FP106"]


def test_bytecode_hash_follows_the_code() -> None:
    first, again = exec_source(EXECED), exec_source(EXECED)
    changed = exec_source(EXECED.replace("return a, b", "return b, a"))
    nested = exec_source("def f():\n    def g():\n        return {1, 2}\n    return g\n")
    nested_changed = exec_source("def f():\n    def g():\n        return {1, 3}\n    return g\n")
    assert bytecode_hash(first["pair"].__code__) == bytecode_hash(again["pair"].__code__)
    assert bytecode_hash(first["pair"].__code__) != bytecode_hash(changed["pair"].__code__)
    assert bytecode_hash(nested["f"].__code__) != bytecode_hash(nested_changed["f"].__code__)


def test_lambdas_and_interactive_functions_fall_back() -> None:
    ns = exec_source("square = lambda x: x * x\n")
    assert analyze_function(ns["square"]).diagnostics[0].code == "FP107"


def test_a_file_changed_after_import_falls_back(load_module: Loader) -> None:
    mod = load_module(STEPS)
    Path(file_of(mod)).write_text("\n\n\n" + STEPS)
    sig = analyze_function(mod.divide)
    assert not sig.source_available
    assert "changed" in sig.diagnostics[0].message
    Path(file_of(mod)).write_text("def broken(:\n")
    assert "does not parse" in analyze_function(mod.divide).diagnostics[0].message


def test_non_functions_are_refused() -> None:
    with pytest.raises(CompileError) as info:
        analyze_function(functools.partial(print, 1))
    assert info.value.code == "FP109"


def test_annotations_from_the_future_are_text(load_module: Loader) -> None:
    mod = load_module(
        "from __future__ import annotations\nfrom typing import Annotated\n"
        "def f(x: int) -> Annotated[int, 'y']:\n    return x\n",
        "future_steps",
    )
    sig = analyze_function(mod.f)
    assert (sig.inputs[0].annotation, sig.outputs[0].name) == ("int", "y")


@pytest.mark.parametrize(
    ("variable", "value", "enforced"),
    [
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "1", True),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "True", True),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "YES", True),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "on", True),
        ("ZENML_ENFORCE_TYPE_ANNOTATIONS", "true", True),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "0", False),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "false", False),
        ("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "", False),
    ],
)
def test_enforce_annotations(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, enforced: bool
) -> None:
    source = "@step\ndef train(X_train, y_train: list,\n          lr=0.1):\n    return 1\n"
    sig = analyze_source(source, "train.py").functions["train"]
    assert enforce_annotations(sig) == []  # read when called, not at import
    monkeypatch.setenv(variable, value)
    problems = enforce_annotations(sig)
    if not enforced:
        assert problems == []
        return
    assert [(d.code, d.line, d.column) for d in problems] == [
        ("FP101", 2, 11),
        ("FP101", 3, 11),
        ("FP101", 2, 5),
    ]
    assert all(d.severity is Severity.ERROR and d.fix and d.path == "train.py" for d in problems)
    assert "`X_train`" in problems[0].message and "return" in problems[2].message


def test_enforce_annotations_without_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "1")
    sig = analyze_function(exec_source("def f(x):\n    return x\n")["f"])
    problems = enforce_annotations(sig)
    assert [(d.code, d.line) for d in problems] == [("FP101", 1), ("FP101", 1)]


def test_fully_annotated_steps_pass_enforcement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "1")

    def local(x: int) -> Annotated[int, "y"]:
        return x

    sig = analyze_function(local)
    assert sig.source_available and enforce_annotations(sig) == []
    assert sig.qualname.endswith("<locals>.local")
