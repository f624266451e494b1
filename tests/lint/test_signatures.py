"""The lint path reads step signatures without hashing code, and from the ``ast`` whenever it
can be sure; both readings must equal the analyzer's own (``analyze_source``), hash aside."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flowplan.analyzer.analyze import analyze_source
from flowplan.analyzer.ast_signatures import ast_functions, quick_signature
from flowplan.analyzer.source import SourceFile, parse_source
from flowplan.analyzer.step_signatures import step_signatures
from tests.conftest import FIXTURES, ROOT

RETURNS = [
    None, "int", "None", "Tuple[int, int]", "Tuple[int, ...]", "tuple[int, str]",
    'Annotated[int, "x"]', "Annotated[int, 42]", "(int)", "Tuple[(int, int)]", "Tuple[()]",
    'Tuple[Annotated[int, "a"], Annotated[int, "a"]]', 'Tuple[Annotated[int, "a"], str]',
    "typing.Tuple[int, int]", "Tuple[\n    int,\n    str,\n]", 'Annotated[int, "a" "b"]',
    'Annotated[Tuple[int, ...], "out"]', "Annotated[int, b'x']", "List[  int ]",
    'Annotated[Annotated[int, "inner"], "outer"]', "Tuple[int, # two\n int]",
]
RETURN_STATEMENTS = ["return", "return None", "return x", "return (x)", "return x, x",
                     "return (x, x, x)", "return *xs, x", "return x,", "return (None)"]
PARAMETERS = ["a", "a: int", "a: int = 1", "a=(1)", "a: (int) = 2", "a: 'List[int]' = ()",
              "a: List[\n        int] = [1,\n 2]", "a=(1, 2)", "*, a: str = 'x'"]


def signatures_agree(text: str) -> int:
    """Compare the three readings of every def in ``text``; the number read quickly."""
    source = parse_source("/x/m.py", text.encode(), "m")
    assert isinstance(source, SourceFile) and source.tree is not None
    reference = analyze_source(text, "/x/m.py")
    defs = list(ast_functions(source.tree.body))
    exact, error = step_signatures(source, [node for _, node in defs])
    assert error is None
    quick = 0
    for qualname, node in defs:
        mine = exact[id(node)]
        if [q for q, _ in defs].count(qualname) == 1:  # a redefined name keeps the last def
            assert mine == dataclasses.replace(reference.functions[qualname], code_hash="")
        fast = quick_signature(source, qualname, node)
        if fast is not None:
            quick += 1
            assert fast == mine, (qualname, fast, mine)
    return quick


def test_every_def_of_the_fixtures_and_examples_reads_the_same() -> None:
    files = [*FIXTURES.rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
    read_quickly = 0
    for path in files:
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        source = parse_source(str(path), text.encode(), "m")
        if isinstance(source, SourceFile) and source.tree is not None:
            read_quickly += signatures_agree(text)
    assert read_quickly > 100


@st.composite
def step_defs(draw: st.DrawFn) -> str:
    returns = draw(st.sampled_from(RETURNS))
    arrow = "" if returns is None else f" -> {returns}"
    params = ", ".join(draw(st.lists(st.sampled_from(PARAMETERS), max_size=2, unique=True)))
    returns_count = draw(st.integers(0, 3))
    body = ["    x = 1", "    xs = [1]"]
    body += [f"    {draw(st.sampled_from(RETURN_STATEMENTS))}" for _ in range(returns_count)]
    func = f"def step_{draw(st.integers(0, 9))}({params}){arrow}:\n" + "\n".join(body) + "\n"
    if draw(st.booleans()):  # a method: continuation lines are re-indented by libcst
        func = "class Holder:\n" + "".join(f"    {line}\n" for line in func.splitlines())
    return "from typing import Annotated, List, Tuple\nimport typing\n\n" + func


@settings(max_examples=150, deadline=None)
@given(step_defs())
def test_generated_defs_read_the_same(text: str) -> None:
    try:
        compile(text, "m.py", "exec")
    except SyntaxError:
        return
    signatures_agree(text)


def test_paths_in_signatures_are_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f(a: int) -> int:\n    return a\n")
    source = parse_source(str(path), path.read_bytes(), "m")
    assert isinstance(source, SourceFile) and source.tree is not None
    node = source.tree.body[0]
    assert isinstance(node, __import__("ast").FunctionDef)
    found = quick_signature(source, "f", node)
    assert found is not None and found.path == str(path) and found.line == 1
