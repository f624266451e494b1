"""A long file is parsed in pieces (analyzer.source.parse_module): the tree, and any error,
are exactly those of ``ast.parse`` on the whole file."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowplan.analyzer.source import _piece_starts, parse_module
from tests.strategies import modules_with_steps


def dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def same_as_whole(text: str, chunk_lines: int) -> None:
    try:
        expected = dump(ast.parse(text))
    except SyntaxError as whole:
        with pytest.raises(SyntaxError) as pieces:
            parse_module(text, "m.py", chunk_lines=chunk_lines)
        assert (pieces.value.msg, pieces.value.lineno) == (whole.msg, whole.lineno)
        return
    assert dump(parse_module(text, "m.py", chunk_lines=chunk_lines)) == expected


STEP = '''
@step
def step_{k}(value: int = {k}) -> int:
    return value + 1
'''


def test_a_long_file_is_read_in_pieces_with_the_positions_of_the_whole() -> None:
    text = "from flowplan import step\n" + "".join(STEP.format(k=k) for k in range(40))
    lines = text.split("\n")
    assert len(_piece_starts(lines, 10)) > 5  # it is cut, at definitions after blank lines
    for start in _piece_starts(lines, 10)[1:]:
        assert lines[start] == "@step" and lines[start - 1] == ""
    same_as_whole(text, 10)


@pytest.mark.parametrize(
    "middle",
    [
        # a definition-looking line inside a string: the piece before it does not parse
        '''x = """\n\n@step\ndef fake() -> None:\n    pass\n"""\n''',
        # ... inside brackets
        "values = [\n\ndef_ := 1,\n]\n",
        # a decorator written over several lines
        "@step(\n    enable_cache=False,\n)\ndef configured() -> int:\n    return 1\n",
        # a syntax error: reported as parsing the whole file reports it
        "def broken(:\n    pass\n",
    ],
)
def test_whatever_a_piece_hides_the_tree_or_error_is_the_whole_files(middle: str) -> None:
    head = "".join(STEP.format(k=k) for k in range(12))
    tail = "".join(STEP.format(k=k) for k in range(12, 24))
    same_as_whole(f"from flowplan import step\n{head}\n{middle}\n{tail}", 8)


def test_a_file_with_carriage_returns_is_read_whole() -> None:
    text = "x = 1\r" + "".join(STEP.format(k=k) for k in range(30))
    same_as_whole(text, 5)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(modules=st.lists(modules_with_steps(), min_size=2, max_size=4),
       chunk_lines=st.integers(min_value=1, max_value=6))
def test_generated_modules_read_in_pieces_are_the_same_tree(
    modules: list[str], chunk_lines: int
) -> None:
    text = "\n\n".join(textwrap.dedent(m) for m in modules)
    same_as_whole(text, chunk_lines)
