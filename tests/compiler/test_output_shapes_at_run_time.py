"""The analyzer that runs use reads string and renamed ``Tuple`` annotations and output names
given by constants exactly as ``flow check`` does."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from flowplan.diagnostics import FlowplanError

MODULE = """
from enum import Enum
from typing import Annotated, Tuple as T

from flowplan import pipeline, step

PREFIX = "iris"

class Names(str, Enum):
    MODEL = "model"

@step
def quoted() -> "Tuple[int, str]":
    return 1, "a"

@step
def renamed() -> T[Annotated[int, PREFIX + "_rows"], Annotated[str, Names.MODEL]]:
    return 1, "a"

@step
def show(number: int, text: str) -> None:
    print(number, text)

@pipeline
def training() -> None:
    a, b = quoted()
    c, d = renamed()
    show(a, b)
    show(c, d)
"""


def load(tmp_path: Path, text: str, name: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_string_renamed_and_constant_named_outputs_compile(tmp_path: Path) -> None:
    module = load(tmp_path, MODULE, "shapes_at_run_time")
    plan = module.training.compile()
    outputs = {inv.id: [o.name for o in inv.outputs] for inv in plan.invocations}
    assert outputs["quoted"] == ["output_0", "output_1"]
    assert outputs["renamed"] == ["iris_rows", "model"]


def test_an_output_name_that_is_not_a_string_fails_at_compile(tmp_path: Path) -> None:
    text = MODULE.replace('PREFIX = "iris"', "PREFIX = 3").replace('PREFIX + "_rows"', "PREFIX")
    module = load(tmp_path, text, "shapes_not_a_string")
    with pytest.raises(FlowplanError, match="FP106"):
        module.training.compile()
