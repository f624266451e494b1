"""The code hash (DESIGN decision 7): what busts a step's cache and what does not."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowplan.analyzer.codehash import ModuleIndex

from .helpers import analyze

BASE = '''\
"""A module of steps."""
import json
from typing import Tuple

SCALE = 3
OFFSET = SCALE + 1
UNRELATED = 10


class Model:
    """A model."""

    factor = 2

    def predict(self, x):
        return x * self.factor


def square(x):
    """Squares."""
    return x * x


def scaled(x):
    return square(x) * SCALE


def unrelated_helper():
    return UNRELATED


@step
def step(x: int, y: int = 2) -> Tuple[int, int]:
    """Does the thing."""
    model = Model()
    total = scaled(x) + OFFSET
    return model.predict(total), json.dumps(y)
'''


def hash_of(source: str, name: str = "step") -> str:
    analysis = analyze(source)
    assert analysis.syntax_error is None, analysis.syntax_error
    return analysis.functions[name].code_hash


def edit(old: str, new: str, source: str = BASE) -> str:
    assert old in source, old
    return source.replace(old, new, 1)


SAME = {
    "comment": edit("    model = Model()\n", "    # build it\n    model = Model()  # here\n"),
    "blank lines": edit("    total = scaled", "\n\n    total = scaled"),
    "formatting": edit(
        "return model.predict(total), json.dumps(y)",
        "return (\n        model.predict( total ),\n        json.dumps(y),\n    )",
    ),
    "step docstring": edit('"""Does the thing."""', '"""Does another thing, really."""'),
    "no step docstring": edit('    """Does the thing."""\n', ""),
    "helper docstring": edit('"""Squares."""', '"""Multiplies x by itself."""'),
    "class docstring": edit('"""A model."""', '"""The best model."""'),
    "module docstring": edit('"""A module of steps."""', '"""Steps."""'),
    "decorator": edit("@step\ndef step", "@step(enable_cache=False, retry=None)\ndef step"),
    "unrelated function": edit("return UNRELATED", "return UNRELATED * 2"),
    "unrelated constant": edit("UNRELATED = 10", "UNRELATED = 11"),
    "code moved down": edit("SCALE = 3\n", "SCALE = 3\n\n\ndef more():\n    return 1\n"),
    "unrelated import": edit("import json\n", "import json\nimport os\n"),
    "helper comment": edit("    return x * x", "    # square it\n    return x*x"),
}

CHANGED = {
    "step body": edit("total = scaled(x) + OFFSET", "total = scaled(x) - OFFSET"),
    "step default": edit("y: int = 2", "y: int = 3"),
    "step annotation": edit("x: int,", "x: float,"),
    "step renamed local": edit("total = scaled(x) + OFFSET", "t = scaled(x) + OFFSET").replace(
        "predict(total)", "predict(t)"
    ),
    "direct helper": edit("return square(x) * SCALE", "return square(x) * SCALE + 0"),
    "indirect helper": edit("    return x * x", "    return x ** 2"),
    "constant": edit("SCALE = 3", "SCALE = 4"),
    "constant via another": edit("OFFSET = SCALE + 1", "OFFSET = SCALE + 2"),
    "constant rebound later": BASE + "\nSCALE = 5\n",
    "constant augmented": BASE + "\nSCALE += 1\n",
    "class method": edit("return x * self.factor", "return x + self.factor"),
    "class attribute": edit("factor = 2", "factor = 5"),
    "import": edit("import json", "import simplejson as json"),
    "helper decorator": edit("def square(x):", "@functools.cache\ndef square(x):"),
}


def test_baseline_is_stable() -> None:
    assert hash_of(BASE) == hash_of(BASE)


@pytest.mark.parametrize("source", SAME.values(), ids=list(SAME))
def test_hash_ignores(source: str) -> None:
    assert hash_of(source) == hash_of(BASE)


@pytest.mark.parametrize("source", CHANGED.values(), ids=list(CHANGED))
def test_hash_changes(source: str) -> None:
    assert hash_of(source) != hash_of(BASE)


def module(body: str) -> str:
    return textwrap.dedent(body)


def test_names_used_only_in_nested_scopes_and_defaults_count() -> None:
    source = module("""\
        LIMIT = 3
        DEFAULT = 1
        def step(x=DEFAULT):
            return [v for v in range(LIMIT)], (lambda: LIMIT)()
        """)
    assert hash_of(source) != hash_of(source.replace("LIMIT = 3", "LIMIT = 4"))
    assert hash_of(source) != hash_of(source.replace("DEFAULT = 1", "DEFAULT = 2"))


def test_local_shadowing_a_module_name_does_not_count() -> None:
    source = module("""\
        SCALE = 3
        def step():
            SCALE = 1
            return SCALE
        """)
    assert hash_of(source) == hash_of(source.replace("SCALE = 3", "SCALE = 4"))


def test_global_declaration_counts() -> None:
    source = module("""\
        COUNTER = 0
        def step():
            global COUNTER
            COUNTER = 1
        """)
    assert hash_of(source) != hash_of(source.replace("COUNTER = 0", "COUNTER = 5"))


def test_closure_bindings_are_not_module_level() -> None:
    source = module("""\
        SCALE = 3
        def factory():
            factor = 2
            @step
            def inner(x: int) -> int:
                return x * factor * SCALE
            return inner
        """)
    name = "factory.<locals>.inner"
    base = hash_of(source, name)
    assert hash_of(source.replace("factor = 2", "factor = 7"), name) == base
    assert hash_of(source.replace("SCALE = 3", "SCALE = 4"), name) != base


def test_mutually_recursive_helpers_terminate() -> None:
    source = module("""\
        def ping(n):
            return pong(n - 1) if n else 0
        def pong(n):
            return ping(n - 1) if n else 1
        def step(n):
            return ping(n)
        """)
    assert hash_of(source) != hash_of(source.replace("else 1", "else 2"))


def test_recursive_step_ignores_its_own_decorator() -> None:
    source = "@step\ndef step(n):\n    return step(n - 1) if n else 0\n"
    assert hash_of(source) == hash_of(source.replace("@step\n", "@step(enable_cache=False)\n"))


def test_names_bound_in_compound_statements() -> None:
    source = module("""\
        try:
            import numpy as np
        except ImportError:
            np = None
        if True:
            LIMIT = 3
        for KEY in ["a"]:
            pass
        def step():
            return np, LIMIT, KEY
        """)
    base = hash_of(source)
    assert hash_of(source.replace("np = None", "np = False")) != base
    assert hash_of(source.replace("LIMIT = 3", "LIMIT = 4")) != base
    assert hash_of(source.replace('["a"]', '["b"]')) != base


def test_subscript_assignment_at_module_level_counts() -> None:
    source = 'CONFIG = {}\nCONFIG["rate"] = 1\ndef step():\n    return CONFIG\n'
    assert hash_of(source) != hash_of(source.replace("= 1", "= 2"))


def test_very_deep_expressions_still_hash() -> None:
    """Deeper than ``ast.dump`` can recurse, yet Python compiles it."""

    def deep_hash(last: str) -> str:
        source = "def step():\n    return " + " + ".join(["1"] * 1500) + f" + {last}\n"
        index = ModuleIndex(ast.parse(source))
        return index.code_hash(index.functions[0][1])

    assert deep_hash("1") == deep_hash("1")
    assert deep_hash("1") != deep_hash("2")


def test_expressions_too_deep_for_python_are_a_syntax_error() -> None:
    error = analyze("def step():\n    return " + " + ".join(["1"] * 5000) + "\n").syntax_error
    assert error is not None and error.code == "FP001"


LINES = BASE.splitlines()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(LINES)),
            st.sampled_from(["", "# note", "    # indented note", "\t# tab note"]),
        ),
        max_size=8,
    )
)
def test_inserted_comments_and_blank_lines_keep_the_hash(
    inserts: list[tuple[int, str]],
) -> None:
    lines = list(LINES)
    for position, text in sorted(inserts, reverse=True):
        lines.insert(position, text)
    assert hash_of("\n".join(lines) + "\n") == hash_of(BASE)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6).filter(lambda n: n != 3))
def test_any_other_constant_value_changes_the_hash(value: int) -> None:
    assert hash_of(edit("SCALE = 3", f"SCALE = {value}")) != hash_of(BASE)
