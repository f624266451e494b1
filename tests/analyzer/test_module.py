"""``analyze_source``: every def of a module, its location, inputs and missing annotations."""

from __future__ import annotations

import sys

import pytest

from flowplan.analyzer.module_analysis import ModuleAnalysis

from .helpers import analyze


def test_every_def_by_qualname_and_first_line() -> None:
    source = """\
    import functools

    @step
    @functools.wraps(print)
    def top(x: int) -> int:
        return x

    def factory():
        @step(enable_cache=False)
        def inner() -> None:
            def deeper():
                pass
        return inner

    class Holder:
        def method(self):
            pass

    if True:
        def conditional():
            pass
    """
    analysis = analyze(source)
    assert list(analysis.functions) == [
        "top",
        "factory",
        "factory.<locals>.inner",
        "factory.<locals>.inner.<locals>.deeper",
        "Holder.method",
        "conditional",
    ]
    assert {line: sig.qualname for line, sig in analysis.by_line.items()} == {
        3: "top",
        8: "factory",
        9: "factory.<locals>.inner",
        11: "factory.<locals>.inner.<locals>.deeper",
        16: "Holder.method",
        20: "conditional",
    }
    inner = analysis.functions["factory.<locals>.inner"]
    assert (inner.name, inner.path, inner.line, inner.column) == ("inner", "steps.py", 9, 5)


def test_inputs_kinds_defaults_and_variadics() -> None:
    source = """\
    def f(a, /, b: "Model" = DEFAULT, *args: int, c: dict[str, int] = {"k": 1}, **kw) -> None:
        pass
    """
    sig = analyze(source).functions["f"]
    assert [
        (i.name, i.annotation, i.has_default, i.default_source, i.kind) for i in sig.inputs
    ] == [
        ("a", None, False, None, "positional_only"),
        ("b", '"Model"', True, "DEFAULT", "positional_or_keyword"),
        ("c", "dict[str, int]", True, '{"k": 1}', "keyword_only"),
    ]
    assert sig.input_names == ("a", "b", "c")
    assert sig.missing_annotations == ("a",)
    assert sig.missing_annotation_sites == ((1, 7),)


def test_missing_return_annotation_is_located_at_the_name() -> None:
    source = """\
    @step
    async  def  compute(x: int):
        return x
    def nothing(x: int):
        if x:
            return
        return None
    """
    analysis = analyze(source)
    compute = analysis.functions["compute"]
    assert compute.missing_annotations == ("return",)
    assert compute.missing_annotation_sites == ((2, 13),)
    assert compute.return_annotation is None
    assert analysis.functions["nothing"].missing_annotations == ()
    assert analysis.functions["nothing"].outputs == ()


def test_columns_count_characters_not_bytes() -> None:
    source = 'def f(): pass\nX = "é"; Y = 2\nif X:  # ünïcode\n    def g(ä, b): return 1\n'
    sig = analyze(source).functions["g"]
    assert sig.column == 5
    assert sig.missing_annotation_sites == ((4, 11), (4, 14), (4, 9))


def test_syntax_error_is_fp001_with_location() -> None:
    analysis = analyze("def ok():\n    pass\n\ndef broken(:\n    pass\n", "bad.py")
    error = analysis.syntax_error
    assert error is not None
    assert (error.code, error.path, error.line) == ("FP001", "bad.py", 4)
    assert error.column is not None
    assert analysis.functions == {} and analysis.by_line == {}


def test_json_round_trip() -> None:
    source = """\
    from typing import Annotated, Tuple
    def f(a, b: int = 2) -> Tuple[Annotated[int, "x"], Annotated[int, "x"]]:
        return a, b
    """
    analysis = analyze(source)
    again = ModuleAnalysis.from_json(analysis.to_json())
    assert again == analysis
    assert again.functions["f"].diagnostics[0].code == "FP105"
    broken = analyze("def (:")
    assert ModuleAnalysis.from_json(broken.to_json()) == broken


def test_code_hash_is_hex_sha256() -> None:
    sig = analyze("def f():\n    return 1\n").functions["f"]
    assert len(sig.code_hash) == 64
    int(sig.code_hash, 16)
    assert sig.source_available


def test_defs_in_every_kind_of_block_pair_up() -> None:
    source = """\
    try:
        def a(): pass
    except ValueError:
        def b(): pass
    else:
        def c(): pass
    finally:
        def d(): pass
    for _ in []:
        def e(): pass
    else:
        def f(): pass
    while False:
        def g(): pass
    else:
        def h(): pass
    with open("x") as handle:
        def i(): pass
    if a:
        def j(): pass
    elif b:
        def k(): pass
    else:
        def m(): pass
    match x:
        case 1:
            def n(): pass
        case _:
            def o(): pass
    class P:
        class Q:
            def r(self):
                class S:
                    async def t(self): pass
    """
    analysis = analyze(source)
    assert analysis.syntax_error is None
    assert list(analysis.functions) == [
        *"abcdefghijkmno",
        "P.Q.r",
        "P.Q.r.<locals>.S.t",
    ]
    assert [sig.line for sig in analysis.by_line.values()] == sorted(analysis.by_line)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11+")
def test_defs_under_except_star() -> None:
    source = "try:\n    def a(): pass\nexcept* TypeError:\n    def b(): pass\n"
    assert list(analyze(source).functions) == ["a", "b"]
