"""Output decision (DESIGN decisions 1-2): VALID sources with their outputs, INVALID ones with
their diagnostics marked inline (``# expect: FPxxx``) and compared as an exact set."""

from __future__ import annotations

import pytest

from .helpers import analyze, expected_codes, reported_codes, signature

HEADER = "from typing import Annotated, Optional, Tuple\nimport typing\nimport typing as t\n"

# (source, expected outputs as (name, annotation) pairs, multi_output)
VALID: list[tuple[str, list[tuple[str, str | None]], bool]] = [
    (
        "def f(a: int, b: int) -> Tuple[int, int]:\n    return a // b, a % b\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    (
        "def f() -> Tuple[int, str]:\n    return (1, 'a')\n",
        [("output_0", "int"), ("output_1", "str")],
        True,
    ),
    (
        "def f() -> typing.Tuple[int, int]:\n    return 1, 2\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    (
        "def f() -> t.Tuple[int, int]:\n    return 1, 2\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    (
        "def f() -> tuple[int, float]:\n    return 1, 2.0\n",
        [("output_0", "int"), ("output_1", "float")],
        True,
    ),
    ("def f() -> Tuple[int, int]: return 1, 2\n", [("output_0", "int"), ("output_1", "int")], True),
    (
        "async def f() -> Tuple[int, int]:\n    return 1, 2\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    (
        "def f() -> Tuple[Annotated[int, 'q'], int]:\n    return 1, 2\n",
        [("q", "int"), ("output_1", "int")],
        True,
    ),
    # Annotated around the tuple: always one output, whatever the returns look like.
    (
        "def f() -> Annotated[Tuple[int, ...], 'my_output']:\n    return 0, 1\n",
        [("my_output", "Tuple[int, ...]")],
        False,
    ),
    (
        "def f() -> Annotated[Tuple[int, int], 'pair']:\n    return 0, 1\n",
        [("pair", "Tuple[int, int]")],
        False,
    ),
    # A tuple annotation with a non-literal return: one output of tuple type.
    (
        "def f() -> Tuple[int, int]:\n    value = (0, 1)\n    return value\n",
        [("output", "Tuple[int, int]")],
        False,
    ),
    (
        "def f(c) -> Tuple[int, ...]:\n    if c:\n        v = (0, 1)\n    else:\n"
        "        v = (0, 1, 2)\n    return v\n",
        [("output", "Tuple[int, ...]")],
        False,
    ),
    # No return with a value: never split (the seeds' "all other cases").
    (
        "def f() -> Tuple[int, int]:\n    raise NotImplementedError\n",
        [("output", "Tuple[int, int]")],
        False,
    ),
    (
        "def f() -> Optional[Tuple[int, int]]:\n    return 1, 2\n",
        [("output", "Optional[Tuple[int, int]]")],
        False,
    ),
    # Unannotated: one output, type unknown; or none when nothing is returned.
    ("def f():\n    return 1, 2\n", [("output", None)], False),
    ("def f():\n    return 42\n", [("output", None)], False),
    ("def f():\n    pass\n", [], False),
    ("def f():\n    ...\n", [], False),
    ("def f(x):\n    if x:\n        return\n    return None\n", [], False),
    ("def f() -> None:\n    print('hi')\n", [], False),
    # A bare return or `return None` beside tuple literals is no mix of shapes.
    (
        "def f(x) -> Tuple[int, int]:\n    if x:\n        return\n    if x > 1:\n"
        "        return None\n    return 1, 2\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    # Returns of nested functions, lambdas and classes are not the step's.
    (
        "def f() -> Tuple[int, int]:\n    def inner():\n        x = (1, 2)\n        return x\n"
        "    class C:\n        def m(self):\n            return self\n"
        "    g = lambda: (1, 2)\n    return 1, 2\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    # Returns inside compound statements are the step's own.
    (
        "def f(x) -> Tuple[int, int]:\n    for i in x:\n        while i:\n            with x:\n"
        "                try:\n                    return 1, 2\n                except E:\n"
        "                    return 3, 4\n                finally:\n                    pass\n"
        "    match x:\n        case 1:\n            return 5, 6\n    return 7, 8\n",
        [("output_0", "int"), ("output_1", "int")],
        True,
    ),
    (
        "def f() -> Tuple[Annotated[Optional[int], 'a'], Annotated[typing.List[str], 'b']]:\n"
        "    return None, []\n",
        [("a", "Optional[int]"), ("b", "typing.List[str]")],
        True,
    ),
    ("def f() -> 'Tuple[int, int]':\n    return 1, 2\n", [("output_0", "int"), ("output_1", "int")],
     True),
]


@pytest.mark.parametrize(("source", "outputs", "multi"), VALID)
def test_valid_outputs(source: str, outputs: list[tuple[str, str | None]], multi: bool) -> None:
    sig = signature(HEADER + source, "f")
    assert sig.diagnostics == ()
    assert [(o.name, o.annotation) for o in sig.outputs] == outputs
    assert sig.multi_output is multi


INVALID = [
    # FP102: a tuple of any length cannot be split into outputs.
    """
    def f() -> Tuple[int, ...]:
        return 0, 1  # expect: FP102
    """,
    # FP103: the literal and the annotation disagree on the count.
    """
    def f(x) -> t.Tuple[int, int, int]:
        if x:
            return (1, 2)  # expect: FP103
        return 1, 2, 3
    """,
    """
    def f(xs) -> Tuple[int, int]:
        return *xs, 1  # expect: FP103
    """,
    # FP104: tuple literals mixed with other values, reported at the later return.
    """
    def f(flag) -> Tuple[int, int]:
        if flag:
            return 1, 2
        pair = (1, 2)
        return pair  # expect: FP104
    """,
    """
    def f(flag):
        if flag:
            return compute()
        try:
            return 1, 2  # expect: FP104
        except ValueError:
            return None
    """,
    # FP105: duplicate output names, at the later element.
    """
    def f() -> Tuple[
        Annotated[int, "a"],
        Annotated[int, "a"],  # expect: FP105
    ]:
        return 1, 2
    """,
    """
    def f() -> Tuple[Annotated[int, "output_1"], int]:  # expect: FP105
        return 1, 2
    """,
    # FP106: Annotated metadata must be exactly one non-empty string.
    """
    def f() -> Annotated[int, 3]:  # expect: FP106
        return 1
    """,
    """
    def f() -> Annotated[int, "a", "b"]:  # expect: FP106
        return 1
    """,
    """
    def f() -> Annotated[int, ""]:  # expect: FP106
        return 1
    """,
    """
    def f() -> Annotated[int, b"name"]:  # expect: FP106
        return 1
    """,
    """
    def f() -> Annotated[Annotated[int, "a"], "b"]:  # expect: FP106
        return 1
    """,
    """
    def f() -> Tuple[
        Annotated[int, "ok"],
        Annotated[int, [x]],  # expect: FP106
    ]:
        return 1, 2
    """,
]


def test_names_written_as_expressions_are_left_to_the_front_ends() -> None:
    analysis = analyze(
        'def f() -> Tuple[Annotated[int, PREFIX + "_a"], Annotated[int, Names.B]]:\n'
        "    return 1, 2\n")
    sig = analysis.functions["f"]
    assert [(o.name, o.name_expression) for o in sig.outputs] == [
        ("output_0", 'PREFIX + "_a"'), ("output_1", "Names.B")]
    assert not sig.diagnostics


@pytest.mark.parametrize("source", INVALID)
def test_invalid_outputs(source: str) -> None:
    analysis = analyze(source)
    assert reported_codes(analysis) == expected_codes(source)


def test_locations_are_the_return_and_the_element() -> None:
    source = """\
    def f() -> Tuple[int, ...]:
        if x:
            return 0, 1
    def g() -> Tuple[Annotated[int, "a"], Annotated[int, "a"]]:
        return 1, 2
    """
    analysis = analyze(source, "pkg/steps.py")
    (fp102,) = analysis.functions["f"].diagnostics
    assert (fp102.path, fp102.line, fp102.column, fp102.end_column) == ("pkg/steps.py", 3, 9, 20)
    assert fp102.fix
    (fp105,) = analysis.functions["g"].diagnostics
    assert (fp105.line, fp105.column) == (4, 39)
    assert fp105.format().startswith("pkg/steps.py:4:39: FP105 step `g` has two outputs named `a`")


def test_several_problems_are_all_reported() -> None:
    source = """
    def f(x) -> Tuple[Annotated[int, 1], int, int]:  # expect: FP106
        if x:
            return 1, 2  # expect: FP103
        return 1, 2, 3, 4  # expect: FP103
    """
    assert reported_codes(analyze(source)) == expected_codes(source)
