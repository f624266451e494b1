"""The pydantic-free check of parameters agrees with pydantic wherever it decides."""

from __future__ import annotations

from typing import Any, Optional

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from flowplan.compiler.params import _plainly_fits

SCALARS: list[Any] = [int, float, str, bool]


def annotations() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.sampled_from(SCALARS),
        lambda inner: st.one_of(
            inner.map(lambda a: list[a]),  # type: ignore[valid-type]
            inner.map(lambda a: dict[str, a]),  # type: ignore[valid-type]
            inner.map(lambda a: Optional[a]),  # noqa: UP045 -- typing.Union form on purpose
            inner.map(lambda a: a | None),
        ),
        max_leaves=4,
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                  max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(annotations(), json_values)
def test_fast_path_never_accepts_what_pydantic_refuses(annotation: Any, value: Any) -> None:
    if _plainly_fits(value, annotation):
        TypeAdapter(annotation).validate_python(value)


def test_fast_path_decides_the_common_cases_and_leaves_the_rest() -> None:
    assert _plainly_fits(3, int) and _plainly_fits(3, float) and _plainly_fits("a", str)
    assert _plainly_fits([1, 2], list[int]) and _plainly_fits({"a": 1.5}, dict[str, float])
    assert _plainly_fits(None, Optional[int]) and _plainly_fits(2, int | None)  # noqa: UP045
    assert not _plainly_fits(True, int)  # pydantic decides (and accepts) bool for int
    assert not _plainly_fits("3", int)  # pydantic decides (lax mode)
    assert not _plainly_fits([1, "x"], list[int])
