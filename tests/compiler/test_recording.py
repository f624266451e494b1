"""Call recording shared by both front ends (compiler/recording.py): ids, call keywords,
inputs and ``after=``, with the words of flowplan.messages."""

from __future__ import annotations

import ast

from flowplan.analyzer.names import dotted_name, dotted_parts
from flowplan.compiler import recording
from flowplan.compiler.plan import ArtifactListInput, ArtifactRef, ParameterInput
from flowplan.compiler.reference import ArtifactReference
from flowplan.diagnostics import Diagnostic

WHERE = ("p.py", 3, 5)


class Step:
    def __init__(self, name: str) -> None:
        self.name = name


def test_ids_follow_decision_3() -> None:
    counts: dict[str, int] = {}
    taken: set[str] = set()
    problems: list[Diagnostic] = []
    ids = [recording.assign_id("load", None, "p", counts, taken, WHERE, problems)
           for _ in range(3)]
    assert ids == ["load", "load_2", "load_3"]
    assert recording.assign_id("load", "mine", "p", counts, taken, WHERE, problems) == "mine"
    recording.assign_id("load", "mine", "p", counts, taken, WHERE, problems)
    recording.assign_id("load", "", "p", counts, taken, WHERE, problems)
    assert [d.code for d in problems] == ["FP203", "FP212"]
    assert problems[0].message == "invocation id `mine` is used twice in pipeline `p`"


def test_step_name_is_an_alias_of_id_unless_an_input() -> None:
    assert recording.call_keywords({"step_name": "a", "x": 1}, ["x"]) == ("a", None, {"x": 1})
    assert recording.call_keywords({"step_name": "a"}, ["step_name"]) == (
        None, None, {"step_name": "a"})
    assert recording.call_keywords({"id": "b", "after": "a"}, []) == ("b", "a", {})


def test_inputs_and_after() -> None:
    problems: list[Diagnostic] = []
    out = ArtifactReference("load", "output")
    none = ArtifactReference("log", None)

    def convert(value: object) -> object:
        return recording.convert_input("s", "x", value, {}, WHERE, problems, (Step,),
                                       lambda v: False)

    assert convert(out) == ArtifactRef(step="load", output="output")
    assert convert([out, out]) == ArtifactListInput(
        items=[ArtifactRef(step="load", output="output")] * 2)
    assert convert(3) == ParameterInput(value=3)
    assert convert([out, 3]) is None and convert(Step("load")) is None and convert(none) is None
    assert recording.after_ids("s", [out, "log", out], WHERE, problems) == ["load", "log"]
    recording.after_ids("s", [3], WHERE, problems)
    assert [d.code for d in problems] == ["FP204", "FP214", "FP216", "FP215"]


def test_dotted_names() -> None:
    expr = ast.parse("a.b.c", mode="eval").body
    assert dotted_parts(expr) == ["a", "b", "c"] and dotted_name(expr) == "a.b.c"
    assert dotted_name(ast.parse("f().b", mode="eval").body) is None
