"""Type expressions: both front ends agree, and the edge-compatibility rules hold."""

# The old typing spellings (List, Optional, ...) are what these tests are about.
# ruff: noqa: UP006, UP035, UP045

from __future__ import annotations

import collections.abc as abc
import copy
import enum
import inspect
import typing
from typing import Annotated, List, NewType, Optional, Tuple, TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowplan.compiler.plan import TypeExpr
from flowplan.compiler.types import (
    describe_mismatch,
    is_compatible,
    same_type,
    spell,
    type_expr,
    type_expr_from_source,
)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class MyModel:
    pass


class SubModel(MyModel):
    pass


class Other:
    pass


class Greeter(typing.Protocol):
    def greet(self) -> str: ...


T = TypeVar("T")
UserId = NewType("UserId", int)

_TYPING_NAMES = ["Annotated", "Any", "Callable", "Dict", "FrozenSet", "Iterable", "List",
                 "Literal", "Mapping", "Optional", "Sequence", "Set", "Tuple", "Union"]
IMPORTS = {name: f"typing.{name}" for name in _TYPING_NAMES}
IMPORTS.update({"abc": "collections.abc", "typing": "typing"})
IMPORTS.update({cls.__name__: f"{cls.__module__}.{cls.__qualname__}"
                for cls in (Color, MyModel, SubModel, Other, Greeter)})
NAMESPACE: dict[str, object] = {name: getattr(typing, name) for name in _TYPING_NAMES}
NAMESPACE.update({"abc": abc, "typing": typing, "Color": Color, "MyModel": MyModel,
                  "SubModel": SubModel, "Other": Other, "Greeter": Greeter})


def both(text: str) -> tuple[TypeExpr, TypeExpr]:
    """(from the evaluated annotation, from its source text)."""
    value = eval(text, dict(NAMESPACE))
    runtime = type_expr(type(None) if value is None else value)  # as get_type_hints gives it
    assert runtime is not None
    return runtime, type_expr_from_source(text, IMPORTS)


ANNOTATIONS = [
    "int", "str", "float", "bool", "bytes", "None", "object", "Any",
    "List[int]", "list[int]", "List", "list", "Dict[str, float]", "dict[str, List[int]]",
    "Tuple[int, str]", "tuple[int, ...]", "Tuple[int, ...]", "Tuple[()]", "Set[str]",
    "set[bytes]", "FrozenSet[int]", "frozenset[int]", "Sequence[int]", "abc.Sequence[int]",
    "Mapping[str, Any]", "abc.Mapping[str, int]", "Iterable[str]", "abc.Iterable[float]",
    "Optional[int]", "Union[int, str]", "Union[int, None]", "int | None", "None | int",
    "int | str | None", "Optional[Union[int, str]]", "Union[int, Union[str, bytes]]",
    "Union[int, int]", "Optional[None]", "Literal['a', 'b']", "Literal[1, -2, True, None]",
    "Literal[Literal['x'], 'y']", "Literal[Color.RED]", "Annotated[int, 'name']",
    "Annotated[Tuple[int, str], 'pair']", "List[Annotated[int, 'x']]", "MyModel",
    "List[MyModel]", "Optional[MyModel]", "Dict[str, Optional[List[MyModel]]]",
    "typing.Optional[int]", "typing.List[typing.Dict[str, int]]", "Callable[[int, str], bool]",
    "Callable[..., int]", "List['int']", "Greeter",
]


@pytest.mark.parametrize("text", ANNOTATIONS)
def test_both_front_ends_give_the_same_expression(text: str) -> None:
    runtime, static = both(text)
    assert same_type(runtime, static), (runtime, static)


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("List[int]", "builtins.list", ["builtins.int"]),
        ("Tuple[int, ...]", "builtins.tuple", ["builtins.int", "..."]),
        ("Optional[str]", "typing.Union", ["builtins.str", "builtins.NoneType"]),
        ("Sequence[int]", "collections.abc.Sequence", ["builtins.int"]),
        ("Literal['a', 1]", "typing.Literal", ["'a'", "1"]),
        ("Literal[Color.RED]", "typing.Literal", [f"{__name__}.Color.RED"]),
        ("Annotated[int, 'x']", "builtins.int", []),
        ("Any", "typing.Any", []),
    ],
)
def test_normal_form(text: str, name: str, args: list[str]) -> None:
    for expr in both(text):
        assert expr.name == name
        assert [a.name for a in expr.args] == args


def test_readable_spelling() -> None:
    assert spell(type_expr(List[int])) == "List[int]"
    assert spell(type_expr(list[int])) == "list[int]"
    assert spell(type_expr(Optional[str])) == "Optional[str]"
    assert spell(type_expr(int | None)) == "int | None"
    assert spell(type_expr(MyModel)) == "MyModel"
    assert spell(type_expr_from_source("typing.Optional[int]", {})) == "typing.Optional[int]"


def test_missing_annotations_and_special_objects() -> None:
    assert type_expr(None) is None
    assert type_expr(inspect.Parameter.empty) is None
    assert type_expr(type(None)) == TypeExpr(name="builtins.NoneType", text="None")
    assert type_expr(T) == TypeExpr(name="typing.Any", text="Any")
    assert same_type(type_expr(UserId), type_expr(int))
    assert type_expr("NotDefinedAnywhere") == TypeExpr(name="?", text="NotDefinedAnywhere")


def test_user_class_bases_are_the_mro() -> None:
    expr = type_expr(SubModel)
    assert expr is not None
    assert expr.name == f"{__name__}.SubModel"
    assert expr.bases == (f"{__name__}.MyModel", "builtins.object")


def test_type_hints_of_a_function() -> None:
    def step(a: List[int], b: Optional[str], c: Annotated[Tuple[int, str], "out"]) -> None: ...

    hints = typing.get_type_hints(step, include_extras=True)
    assert spell(type_expr(hints["a"])) == "List[int]"
    assert same_type(type_expr(hints["b"]), type_expr_from_source("Optional[str]", IMPORTS))
    assert same_type(type_expr(hints["c"]), type_expr_from_source("tuple[int, str]", {}))
    assert type_expr(hints["return"]) == TypeExpr(name="builtins.NoneType", text="None")
    assert type_expr(hints.get("missing")) is None


@pytest.mark.parametrize(
    "text", ["Foo", "np.ndarray", "List[Foo]", "1 +", "Optional", "lambda: 1", "3"]
)
def test_unresolvable_source_is_unknown_and_compatible(text: str) -> None:
    expr = type_expr_from_source(text, {"List": "typing.List"})
    if expr.name == "builtins.list":  # List[Foo]: the item type is unknown
        expr, int_type = expr.args[0], type_expr(List[int])
        assert is_compatible(type_expr_from_source(text, {"List": "typing.List"}), int_type)
    assert expr.name == "?"
    assert expr.text in text
    assert is_compatible(expr, type_expr(int))
    assert is_compatible(type_expr(str), expr)


def test_imports_resolve_modules_and_aliases() -> None:
    imports = {"np": "numpy", "t": "typing", "L": "typing.List"}
    assert type_expr_from_source("np.ndarray", imports).name == "numpy.ndarray"
    assert type_expr_from_source("t.Sequence[int]", imports).name == "collections.abc.Sequence"
    assert type_expr_from_source("L[int]", imports).name == "builtins.list"
    assert type_expr_from_source("typing.Text", {}).name == "builtins.str"


COMPATIBILITY = [
    # producer, consumer, fits
    ("int", "int", True), ("int", "float", True), ("int", "complex", True),
    ("float", "complex", True), ("bool", "int", True), ("bool", "float", True),
    ("float", "int", False), ("str", "int", False), ("int", "str", False),
    ("int", "Any", True), ("Any", "int", True), ("str", "object", True),
    ("List[int]", "object", True), ("int", "Optional[int]", True), ("None", "Optional[int]", True),
    ("Optional[int]", "int", False), ("Optional[int]", "Optional[float]", True),
    ("Union[int, str]", "Union[str, int, bytes]", True), ("Union[int, str]", "int", False),
    ("int | None", "Optional[int]", True), ("None", "int", False),
    ("List[int]", "List[int]", True), ("list[int]", "List[float]", True),
    ("List[str]", "List[int]", False), ("List[int]", "list", True), ("list", "List[int]", True),
    ("List[int]", "Sequence[int]", True), ("List[int]", "abc.Iterable[float]", True),
    ("List[str]", "Sequence[int]", False), ("Sequence[int]", "List[int]", False),
    ("Tuple[int, str]", "Sequence[Union[int, str]]", True), ("Tuple[int, str]", "Sequence[int]", False),
    ("str", "Sequence[str]", True), ("str", "Iterable[str]", True), ("str", "List[str]", False),
    ("bytes", "Sequence[int]", True), ("Dict[str, int]", "Mapping[str, float]", True),
    ("Dict[str, int]", "Mapping[str, str]", False), ("Dict[str, int]", "Iterable[str]", True),
    ("Mapping[str, int]", "Dict[str, int]", False), ("Set[int]", "abc.Set[int]", True),
    ("FrozenSet[int]", "abc.Set[int]", True), ("Set[int]", "Iterable[int]", True),
    ("Set[int]", "Sequence[int]", False), ("Dict[str, int]", "Sequence[str]", False),
    ("Tuple[int, int]", "Tuple[int, ...]", True), ("Tuple[int, str]", "Tuple[int, ...]", False),
    ("Tuple[int, ...]", "Tuple[int, int]", True), ("Tuple[int, int]", "Tuple[int, int, int]", False),
    ("Tuple[int, int]", "Tuple[float, float]", True), ("Tuple[int, ...]", "Tuple[float, ...]", True),
    ("Literal['a', 'b']", "str", True), ("Literal['a']", "Literal['a', 'b']", True),
    ("Literal['a', 'c']", "Literal['a', 'b']", False), ("str", "Literal['a']", False),
    ("Literal['a', 1]", "Union[str, int]", True), ("Literal[1]", "str", False),
    ("Literal[True]", "int", True), ("Literal[None]", "Optional[int]", True),
    ("Callable[[int], str]", "Callable[..., Any]", True), ("int", "Iterable[int]", False),
    ("List[Optional[int]]", "List[int]", False), ("Dict[str, List[int]]", "Dict[str, List[float]]", True),
]


@pytest.mark.parametrize(("producer", "consumer", "fits"), COMPATIBILITY)
def test_compatibility_on_both_paths(producer: str, consumer: str, fits: bool) -> None:
    (p_run, p_src), (c_run, c_src) = both(producer), both(consumer)
    assert is_compatible(p_run, c_run) is fits
    assert is_compatible(p_src, c_src) is fits


def test_missing_annotation_fits_anything() -> None:
    assert is_compatible(None, type_expr(int))
    assert is_compatible(type_expr(int), None)


@pytest.mark.parametrize(
    ("producer", "consumer", "traced", "static"),
    [
        ("SubModel", "MyModel", True, True),
        ("MyModel", "SubModel", False, True),  # statically, subclassing is unknown
        ("MyModel", "Other", False, True),
        ("MyModel", "int", False, True),
        ("int", "MyModel", False, True),
        ("MyModel", "Greeter", True, True),  # a Protocol may be satisfied structurally
        ("MyModel", "abc.Iterable[int]", True, True),
        ("List[SubModel]", "Sequence[MyModel]", True, True),
        ("List[MyModel]", "Sequence[SubModel]", False, True),
    ],
)
def test_user_classes(producer: str, consumer: str, traced: bool, static: bool) -> None:
    (p_run, p_src), (c_run, c_src) = both(producer), both(consumer)
    assert is_compatible(p_run, c_run) is traced
    assert is_compatible(p_src, c_src) is static


def test_two_builtins_without_bases_are_judged() -> None:
    assert not is_compatible(TypeExpr(name="builtins.str"), TypeExpr(name="builtins.int"))
    assert is_compatible(TypeExpr(name="builtins.ValueError"), TypeExpr(name="builtins.Exception"))
    assert is_compatible(TypeExpr(name="pkg.A"), TypeExpr(name="pkg.B"))


@pytest.mark.parametrize(
    ("producer", "consumer", "message"),
    [
        ("Optional[int]", "int", "`Optional[int]` does not fit `int` (the value may be `None`)"),
        ("List[str]", "Sequence[int]",
         "`List[str]` does not fit `Sequence[int]` (item type `str` does not fit `int`)"),
        ("Tuple[int, int]", "Tuple[int, int, int]",
         "`Tuple[int, int]` does not fit `Tuple[int, int, int]` (2 items where 3 are expected)"),
        ("str", "int", "`str` does not fit `int`"),
    ],
)
def test_describe_mismatch(producer: str, consumer: str, message: str) -> None:
    p, c = both(producer)[0], both(consumer)[0]
    assert describe_mismatch(p, c) == message


# -- properties over generated annotations --------------------------------------------------

_LEAVES = ["int", "str", "float", "bool", "bytes", "None", "Any", "object", "complex",
           "Literal['a', 1]", "Literal[None, True]", "Literal[-3]", "Literal[Color.RED]",
           "Tuple[()]", "'int'", "list", "dict"]
_ONE = ["List[{}]", "list[{}]", "Set[{}]", "set[{}]", "FrozenSet[{}]", "Sequence[{}]",
        "abc.Sequence[{}]", "Iterable[{}]", "Optional[{}]", "Tuple[{}, ...]", "tuple[{}, ...]",
        "Annotated[{}, 'meta']", "typing.List[{}]", "type[{}]"]
_TWO = ["Dict[{}, {}]", "dict[{}, {}]", "Mapping[{}, {}]", "Union[{}, {}]", "{} | {}",
        "Tuple[{}, {}]", "tuple[{}, {}]", "Callable[[{}], {}]"]


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(_ONE), children).map(lambda t: t[0].format(t[1])),
        st.tuples(st.sampled_from(_TWO), children, children).map(
            lambda t: t[0].format(t[1], t[2])),
    )


def annotations(leaves: list[str] = _LEAVES) -> st.SearchStrategy[str]:
    return st.recursive(st.sampled_from(leaves), _extend, max_leaves=6)


def _evaluate(text: str) -> object:
    try:
        value = eval(text, dict(NAMESPACE))
        return type(None) if value is None else value
    except TypeError:  # e.g. `None | None`, which Python refuses
        assume(False)
        raise


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotations([*_LEAVES, "MyModel", "List[MyModel]"]))
def test_front_ends_agree_on_generated_annotations(text: str) -> None:
    runtime = type_expr(_evaluate(text))
    static = type_expr_from_source(text, IMPORTS)
    assert same_type(runtime, static), (text, runtime, static)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotations(), annotations())
def test_front_ends_agree_on_compatibility(producer: str, consumer: str) -> None:
    p_run, c_run = type_expr(_evaluate(producer)), type_expr(_evaluate(consumer))
    p_src, c_src = (type_expr_from_source(t, IMPORTS) for t in (producer, consumer))
    assert is_compatible(p_run, c_run) == is_compatible(p_src, c_src)
    assert is_compatible(p_run, copy.deepcopy(p_run))  # reflexive by the rules themselves
    assert is_compatible(p_run, type_expr(Optional[_evaluate(producer)]))  # type: ignore[misc]

