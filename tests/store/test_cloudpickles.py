"""cloudpickle with classes shipped by value mended: dataclass sentinels survive, and a class
is bound to the loading process's class of the same module and qualified name."""

from __future__ import annotations

import dataclasses
import enum
import subprocess
import sys

from flowplan.store import cloudpickles


def shipped_by_value() -> tuple[type, type]:
    """A dataclass and an enum that cloudpickle ships by value (defined in a function)."""

    @dataclasses.dataclass
    class Point:
        x: int
        tags: list[str] = dataclasses.field(default_factory=list)

    class Colour(enum.Enum):
        RED = 1

    return Point, Colour


def test_dataclass_sentinels_survive_another_process() -> None:
    point, _ = shipped_by_value()
    body = cloudpickles.dumps(point(1))
    code = (
        "import dataclasses, pickle, sys\n"
        "value = pickle.loads(sys.stdin.buffer.read())\n"
        "x, tags = dataclasses.fields(value)\n"
        "assert x.default is dataclasses.MISSING and x.default_factory is dataclasses.MISSING\n"
        "assert tags.default is dataclasses.MISSING\n"
        "print(dataclasses.replace(value, x=2))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert b"x=2, tags=[]" in done.stdout


def test_classes_shipped_by_value_become_the_expected_classes() -> None:
    point, colour = shipped_by_value()
    body = cloudpickles.dumps([point(1, ["a"]), colour.RED])
    here_point, here_colour = shipped_by_value()  # look-alikes: same module and qualname
    assert here_point is not point
    loaded = cloudpickles.loads(body, like=list[here_point | here_colour])  # type: ignore[valid-type]
    assert type(loaded[0]) is here_point and loaded[0].tags == ["a"]
    assert loaded[1] is here_colour.RED
    assert "tags" in here_point.__dataclass_fields__  # the class itself was not rewritten


def test_without_a_match_the_class_is_rebuilt() -> None:
    point, _ = shipped_by_value()
    loaded = cloudpickles.loads(cloudpickles.dumps(point(3)))
    assert type(loaded).__qualname__ == point.__qualname__ and loaded.x == 3
