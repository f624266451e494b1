from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowplan.diagnostics import StoreError
from flowplan.store import materializers
from flowplan.store.local import LocalStore, SavedOutput
from flowplan.store.materializers import (
    BaseMaterializer,
    BytesMaterializer,
    CloudpickleMaterializer,
    JsonMaterializer,
    materializer_path,
    register_materializer,
)
from flowplan.store.records import ArtifactRecord

JSON = materializer_path(JsonMaterializer)
PICKLE = materializer_path(CloudpickleMaterializer)


class Report(pydantic.BaseModel):
    title: str
    scores: list[float]
    when: dt.datetime


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Shout:
    def __init__(self, text: str) -> None:
        self.text = text


class ShoutMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Shout,)
    NAME = "shout"

    def save(self, value: Any) -> bytes:
        return str(value.text).upper().encode()

    def load(self, data: bytes, data_type: Any) -> Any:
        return Shout(data.decode().lower())


def _round_trip(
    store: LocalStore, value: Any, annotation: Any = None, path: str | None = None
) -> tuple[SavedOutput, Any]:
    saved = store.save_output(value, annotation, path)
    record = store.metadata.record_artifact(
        "p::s::output", saved.uri, saved.content_hash, saved.data_type, saved.materializer
    )
    return saved, store.load_artifact(record)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_plain_json_values_round_trip_as_json(store: LocalStore, value: Any) -> None:
    saved, loaded = _round_trip(store, value)
    assert saved.materializer == JSON and saved.warnings == ()
    assert loaded == value and type(loaded) is type(value)
    assert json.loads(Path(saved.uri).read_bytes()) == value  # readable as plain JSON


WHEN = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("value", "annotation", "data_type"),
    [
        ([uuid.UUID(int=1), uuid.UUID(int=2)], list[uuid.UUID], "list[uuid.UUID]"),
        (WHEN, dt.datetime, "datetime.datetime"),
        (dt.datetime(2024, 5, 1), None, "datetime.datetime"),
        (Report(title="t", scores=[1.5], when=WHEN), Report, None),
        (Point(1, 2), Point, None),
        (Color.BLUE, Color, None),
        ((3, "a"), tuple[int, str], "tuple[int, str]"),
        ((3, "a"), None, "tuple"),
        ({1, 2}, None, "set"),
        (None, Optional[int], "typing.Union[int, None]"),  # noqa: UP045
        ("a", Literal["a", "b"], "typing.Literal['a', 'b']"),
        ({"k": [1.5]}, dict[str, list[float]], "dict[str, list[float]]"),
        (7, Annotated[int, "count"], "int"),
        (Path("/tmp/x"), Path, "pathlib.Path"),
    ],
)
def test_typed_values_round_trip_as_json(
    store: LocalStore, value: Any, annotation: Any, data_type: str | None
) -> None:
    saved, loaded = _round_trip(store, value, annotation)
    assert saved.materializer == JSON and saved.warnings == ()
    if data_type is not None:
        assert saved.data_type == data_type
    assert loaded == value and type(loaded) is type(value)


def test_value_that_loses_information_in_json_falls_back_to_pickle(store: LocalStore) -> None:
    saved, loaded = _round_trip(store, {"x": float("nan")}, dict)
    assert saved.materializer == PICKLE
    assert math.isnan(loaded["x"])
    saved, loaded = _round_trip(store, [(1, 2)], list)  # tuples would come back as lists
    assert saved.materializer == PICKLE and loaded == [(1, 2)]


def test_bytes_are_stored_raw(store: LocalStore) -> None:
    saved, loaded = _round_trip(store, b"\x00raw", bytes)
    assert saved.materializer == materializer_path(BytesMaterializer)
    assert Path(saved.uri).read_bytes() == b"\x00raw" and loaded == b"\x00raw"


def test_registered_materializer_is_found_by_mro(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(materializers, "_REGISTRY", dict(materializers._REGISTRY))
    register_materializer(Shout, ShoutMaterializer)

    class Whisper(Shout):
        pass

    assert materializers.materializer_for(Whisper("x")) is ShoutMaterializer
    saved, loaded = _round_trip(store, Whisper("hey"))
    assert saved.materializer == materializer_path(ShoutMaterializer)
    assert Path(saved.uri).read_bytes() == b"HEY" and loaded.text == "hey"


def test_a_materializer_registered_after_a_save_of_its_type_is_used_from_then_on(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(materializers, "_REGISTRY", dict(materializers._REGISTRY))

    class Loud(Shout):
        pass

    before, _ = _round_trip(store, Loud("a"), Loud)  # (what it found for Loud is remembered)
    assert before.materializer == PICKLE
    register_materializer(Loud, ShoutMaterializer)
    after, loaded = _round_trip(store, Loud("a"), Loud)
    assert after.materializer == materializer_path(ShoutMaterializer) and loaded.text == "a"
    monkeypatch.undo()  # the registry without it, in place again: forgotten too
    again, _ = _round_trip(store, Loud("a"), Loud)
    assert again.materializer == PICKLE


def test_a_saved_output_carries_the_name_it_was_saved_for(store: LocalStore) -> None:
    saved = store.save_output(3, int, name="total")
    assert (saved.name, saved.data_type, saved.materializer) == ("total", "int", JSON)
    assert store.save_output(3, int).name == ""


def test_materializer_by_import_path(store: LocalStore) -> None:
    saved, loaded = _round_trip(store, Shout("hi"), Shout, f"{__name__}:ShoutMaterializer")
    assert saved.materializer == f"{__name__}:ShoutMaterializer"
    assert isinstance(loaded, Shout) and loaded.text == "hi"


@pytest.mark.parametrize("path", ["no_such_module_xyz:M", f"{__name__}:Point", "json:"])
def test_bad_materializer_path_is_fp511(store: LocalStore, path: str) -> None:
    with pytest.raises(StoreError) as caught:
        store.save_output(1, int, path)
    assert caught.value.code == "FP511"


def test_failing_materializer_is_fp511(store: LocalStore) -> None:
    with pytest.raises(StoreError) as caught:
        store.save_output(1, int, f"{__name__}:ShoutMaterializer")  # int has no .text
    assert caught.value.code == "FP511"
    assert "could not save" in caught.value.diagnostic.message


def _record(store: LocalStore, data: bytes, data_type: str, materializer: str) -> ArtifactRecord:
    content_hash, uri = store.artifacts.put_bytes(data)
    return store.metadata.record_artifact(
        "p::s::output", uri, content_hash, data_type, materializer
    )


def test_load_error_is_fp511_naming_the_artifact(store: LocalStore) -> None:
    record = _record(store, b'{"not": "a date"}', "datetime.datetime", JSON)
    with pytest.raises(StoreError) as caught:
        store.load_artifact(record)
    assert caught.value.code == "FP511"
    assert "`p::s::output` (version 1)" in caught.value.diagnostic.message
    assert caught.value.diagnostic.path == record.uri


def test_unimportable_recorded_type(store: LocalStore) -> None:
    record = _record(store, b'{"a": 1}', "no_such_module_xyz.Thing", JSON)
    with pytest.raises(StoreError) as caught:
        store.load_artifact(record)
    assert caught.value.code == "FP511"
    assert "no_such_module_xyz.Thing" in caught.value.diagnostic.message
    assert store.load_artifact(record, data_type=dict) == {"a": 1}
    saved = store.save_output(Shout("pickled"))  # pickle needs no recorded type
    pickled = _record(store, Path(saved.uri).read_bytes(), "no_such_module_xyz.Thing", PICKLE)
    assert store.load_artifact(pickled).text == "pickled"


def test_import_does_not_load_pydantic_or_cloudpickle() -> None:
    code = (
        "import sys, flowplan.store.local\n"
        "print(sorted(m for m in ('pydantic', 'cloudpickle') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
