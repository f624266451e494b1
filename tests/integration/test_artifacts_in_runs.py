"""Materializers chosen per output and by type; pickle safety seen from a real run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from flowplan import Client, pipeline, step
from flowplan.diagnostics import FlowplanError
from flowplan.store import BaseMaterializer, register_materializer
from flowplan.store.local import LocalStore
from flowplan.store.pickling import sign


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class PointMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Point,)
    NAME = "point"

    def save(self, value: Any) -> bytes:
        return json.dumps([value.x, value.y]).encode()

    def load(self, data: bytes, data_type: Any) -> Any:
        return Point(*json.loads(data))


class UpperMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (str,)
    NAME = "upper"

    def save(self, value: Any) -> bytes:
        return str(value).upper().encode()

    def load(self, data: bytes, data_type: Any) -> Any:
        return data.decode()


class Opaque:
    def __init__(self, payload: str) -> None:
        self.payload = payload


def test_custom_materializer_per_output_and_by_type() -> None:
    from typing import Annotated

    register_materializer(Point, PointMaterializer)

    @step
    def make_point() -> Point:
        return Point(1, 2)

    @step
    def move(p: Point) -> Point:
        return Point(p.x + 1, p.y)

    @step(output_materializers={"shout": UpperMaterializer})
    def named() -> tuple[Annotated[str, "calm"], Annotated[str, "shout"]]:
        return "quiet", "loud"

    @pipeline
    def pipe() -> None:
        move(make_point())
        named()

    run = pipe()
    version = run.steps["move"].output
    assert version.materializer.endswith(":PointMaterializer")
    assert version.load() == Point(2, 2)
    assert run.steps["named"].outputs["shout"][0].load() == "LOUD"
    assert run.steps["named"].outputs["calm"][0].load() == "quiet"


def test_unknown_materializer_output_is_a_compile_error() -> None:
    @step(output_materializers={"nope": UpperMaterializer})  # noqa: FP112 (the error under test)
    def one() -> str:
        return "x"

    @pipeline
    def pipe() -> None:
        one()

    with pytest.raises(FlowplanError) as info:
        pipe.compile()
    assert info.value.code == "FP112"


def _pickled_run() -> tuple[LocalStore, Any]:
    @step
    def opaque() -> Opaque:
        return Opaque("secret")

    @pipeline
    def pipe() -> None:
        opaque()

    run = pipe()
    assert any(w["code"] == "FP512" for w in run.warnings)
    return Client().store, run.steps["opaque"].output


def test_tampered_pickle_is_refused(tmp_path: Path) -> None:
    _store, version = _pickled_run()
    assert version.load().payload == "secret"
    path = Path(version.uri)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    with pytest.raises(FlowplanError) as info:
        Client().get_artifact_version(version.id).load()
    assert info.value.code in ("FP503", "FP504")


class Trap:
    def __reduce__(self) -> Any:
        return (Path.touch, (Path(TRAP_MARKER),))


TRAP_MARKER = ""


def test_foreign_pickle_is_never_unpickled(tmp_path: Path) -> None:
    global TRAP_MARKER
    TRAP_MARKER = str(tmp_path / "exploded")
    store, version = _pickled_run()
    foreign = sign(cloudpickle.dumps(Trap()), key=b"another store's key" * 2)
    content_hash, uri = store.artifacts.put_bytes(foreign)
    record = store.metadata.record_artifact(
        "foreign", uri, content_hash, version.data_type, version.materializer, None, None)
    with pytest.raises(FlowplanError) as info:
        Client().get_artifact_version(record.id).load()
    assert info.value.code == "FP504"
    assert not Path(TRAP_MARKER).exists()
