"""flowplan.plain_functions answers as :mod:`inspect` does, for any function and any call."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowplan import plain_functions as pf

NAMES = ("a", "b", "c", "d", "e")


@st.composite
def functions(draw: st.DrawFn) -> Any:
    """A ``def`` with any mix of positional-only, positional, *args, keyword-only (with or
    without defaults) and **kwargs parameters, made with ``exec``."""
    names = list(draw(st.permutations(NAMES)))[: draw(st.integers(0, len(NAMES)))]
    positional = draw(st.integers(0, len(names)))
    posonly = draw(st.integers(0, positional))
    defaulted = draw(st.integers(0, positional))  # the last ones have defaults
    parts: list[str] = []
    for i, name in enumerate(names[:positional]):
        parts.append(f"{name}={i}" if i >= positional - defaulted else name)
        if i == posonly - 1:
            parts.append("/")
    star = draw(st.booleans())
    keyword_only = names[positional:]
    if star or keyword_only:
        parts.append("*args" if star else "*")
    parts += [f"{n}={i}" if draw(st.booleans()) else n for i, n in enumerate(keyword_only)]
    if draw(st.booleans()):
        parts.append("**kw")
    scope: dict[str, Any] = {}
    exec(f"def f({', '.join(parts)}):\n    return None\n", scope)
    return scope["f"]


calls = st.tuples(
    st.lists(st.integers(), max_size=6),
    st.dictionaries(st.sampled_from((*NAMES, "x", "args", "kw")), st.integers(), max_size=4),
)


def _inspected(func: Any) -> list[pf.Parameter]:
    return [
        pf.Parameter(p.name, p.kind.name.lower(), p.default is not p.empty)
        for p in inspect.signature(func).parameters.values()
    ]


@given(functions())
def test_parameters_and_defaults_are_what_inspect_reads(func: Any) -> None:
    assert pf.parameters(func) == _inspected(func)
    params = inspect.signature(func).parameters.values()
    assert pf.defaults(func) == {p.name: p.default for p in params if p.default is not p.empty}
    assert list(pf.defaults(func)) == [p.name for p in params if p.default is not p.empty]


@given(functions(), calls)
def test_a_call_binds_as_inspect_binds_it_or_fails_with_its_error(func: Any, call: Any) -> None:
    args, kwargs = call
    try:
        expected = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        try:
            pf.bind(func, args, kwargs)
        except TypeError as ours:
            assert str(ours) == str(exc)
        else:
            raise AssertionError("bound a call that inspect refuses") from None
        return
    expected.apply_defaults()
    bound = pf.bind(func, args, kwargs)
    assert bound.arguments == dict(expected.arguments)
    assert list(bound.arguments) == list(expected.arguments)
    assert bound.args == expected.args
    assert bound.kwargs == expected.kwargs


def test_wrapped_functions_and_own_signatures_are_read_through_inspect() -> None:
    def inner(a: int, b: int = 2) -> int:
        return a + b

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        return inner(*args, **kwargs)

    assert pf.parameters(wrapper) == _inspected(wrapper) == [
        ("a", "positional_or_keyword", False), ("b", "positional_or_keyword", True)
    ]
    assert pf.bind(wrapper, [1], {}).arguments == {"a": 1, "b": 2}
    assert pf.unwrap(wrapper) is inner
    assert pf.unwrap(inner) is inner

    def free(*args: Any) -> None:
        return None

    free.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("only", inspect.Parameter.KEYWORD_ONLY, default=3)]
    )
    assert pf.parameters(free) == [("only", "keyword_only", True)]
    assert pf.defaults(free) == {"only": 3}
    assert pf.bind(free, [], {}).kwargs == {"only": 3}

    partial = functools.partial(inner, 5)
    assert pf.parameters(partial) == _inspected(partial)
    assert not pf.is_function(partial)


def test_generators_and_coroutines_are_told_as_inspect_tells_them() -> None:
    def plain() -> None:
        return None

    def generator() -> Any:
        yield 1

    async def coroutine() -> None:
        return None

    async def async_generator() -> Any:
        yield 1

    for func in (plain, generator, coroutine, async_generator, functools.partial(generator)):
        assert pf.is_generator_or_coroutine(func) == (
            inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func)
        )
    assert pf.is_function(plain)
    assert not pf.is_function(len)
