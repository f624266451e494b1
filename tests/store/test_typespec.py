from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import typing
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, Union

import pytest

from flowplan.store.typespec import (
    TypeSpecError,
    describe_type,
    format_type,
    is_recordable,
    resolve_type,
)


class Mode(enum.Enum):
    FAST = "fast"


class Outer:
    @dataclasses.dataclass
    class Inner:
        x: int


@pytest.mark.parametrize(
    ("tp", "text"),
    [
        (int, "int"),
        (None, "None"),
        (type(None), "None"),
        (Any, "typing.Any"),
        (list[uuid.UUID], "list[uuid.UUID]"),
        (typing.List[uuid.UUID], "list[uuid.UUID]"),  # noqa: UP006 - the old spelling on purpose
        (dict[str, list[float]], "dict[str, list[float]]"),
        (tuple[int, ...], "tuple[int, ...]"),
        (Optional[dt.datetime], "typing.Union[datetime.datetime, None]"),  # noqa: UP045
        (int | str, "typing.Union[int, str]"),
        (Union[int, str], "typing.Union[int, str]"),  # noqa: UP007
        (Literal["a", 1, True, None], "typing.Literal['a', 1, True, None]"),
        (Literal[Mode.FAST], f"typing.Literal[{__name__}.Mode.FAST]"),
        (Sequence[int], "collections.abc.Sequence[int]"),
        (Annotated[int, "name"], "int"),
        (Outer.Inner, f"{__name__}.Outer.Inner"),
    ],
)
def test_format_and_resolve(tp: Any, text: str) -> None:
    assert format_type(tp) == text
    assert format_type(resolve_type(text)) == text
    assert is_recordable(tp)


def test_local_classes_are_not_recordable() -> None:
    class Local:
        pass

    assert not is_recordable(Local)
    with pytest.raises(TypeSpecError):
        format_type(Local)
    assert describe_type(Local).endswith("<locals>.Local")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "no_such_module_xyz.Thing",
        "int[",
        "uuid.NoSuchThing",
        "1 + 1",
    ],
)
def test_resolve_refuses_anything_but_names_and_subscripts(text: str) -> None:
    with pytest.raises(TypeSpecError):
        resolve_type(text)
