"""Values a step saved moments ago, read back as the next step's input: a number or a short
string comes back as it was saved (without decoding its file again); anything mutable is
decoded anew for every reader.  Plain JSON is written as the standard encoder writes it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flowplan.diagnostics import StoreError
from flowplan.store import artifacts, jsoncodec
from flowplan.store.artifacts import ArtifactStore
from flowplan.store.local import LocalStore
from flowplan.store.materializers import JsonMaterializer
from flowplan.store.records import ArtifactRecord

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**4200, max_value=10**4400)  # beyond the int/str limit
    | st.floats()
    | st.text()
    | st.sampled_from(["\ud800", "a\udfffb", "\x00\x1f\"\\/\u2028é€😀"])
)


plain_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


def _reference(value: Any) -> bytes | None:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode()
    except ValueError:
        return None


@given(value=scalars, annotation=st.sampled_from([None, Any, object]))
def test_a_lone_scalar_is_encoded_as_the_standard_encoder_writes_it(
    value: Any, annotation: Any
) -> None:
    encoded = jsoncodec.encode(value, annotation)
    expected = _reference(value)
    if expected is None:  # beyond the int limit, a lone surrogate, not finite: not JSON
        assert encoded is None
    else:
        assert encoded == (expected, "None" if value is None else type(value).__name__)


@given(value=plain_values)
def test_plain_json_is_encoded_as_the_standard_encoder_writes_it(value: Any) -> None:
    expected = _reference(value)
    assume(expected is not None)  # (what the standard encoder refuses: see the test above)
    assert jsoncodec.encode(value) == (expected, type(value).__name__ if value is not None
                                       else "None")


def _saved(store: LocalStore, value: Any, annotation: Any = None) -> ArtifactRecord:
    saved = store.save_output(value, annotation)
    return store.metadata.record_artifact(
        "p::s::output", saved.uri, saved.content_hash, saved.data_type, saved.materializer
    )


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    decoded: list[bytes] = []

    def decode(data: bytes, data_type: Any) -> Any:
        decoded.append(data)
        return json.loads(data)

    monkeypatch.setattr(jsoncodec, "decode", decode)
    return decoded


@pytest.mark.parametrize("value", [41, -2.5, "text", True, None, 10**30])
def test_a_scalar_saved_moments_ago_is_the_next_input_without_decoding(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch, value: Any
) -> None:
    record = _saved(store, value)
    decoded = _no_decoding(monkeypatch)
    loaded = store.load_artifact(record, recent=True)
    assert loaded == value and type(loaded) is type(value)
    assert decoded == []
    assert store.load_artifact(record) == value  # not as an input: read and decoded
    assert len(decoded) == 1


def test_a_float_annotated_int_comes_back_as_its_file_decodes(store: LocalStore) -> None:
    record = _saved(store, 3, float)
    assert record.data_type == "float"
    loaded = store.load_artifact(record, recent=True)
    assert loaded == 3 and type(loaded) is int  # what json.loads of `3` gives, as before


@pytest.mark.parametrize("value", [[1, 2], {"a": [1]}, "x" * 5000])
def test_mutable_or_long_values_are_decoded_anew_for_every_reader(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch, value: Any
) -> None:
    record = _saved(store, value)
    decoded = _no_decoding(monkeypatch)
    first = store.load_artifact(record, recent=True)
    second = store.load_artifact(record, recent=True)
    assert first == second == value
    assert len(decoded) == 2
    if isinstance(value, list):
        first.append(3)  # one reader's change is not another's
        assert second == value and store.load_artifact(record, recent=True) == value


def test_a_type_given_by_the_reader_is_decoded(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _saved(store, 5)
    decoded = _no_decoding(monkeypatch)
    assert store.load_artifact(record, data_type=int, recent=True) == 5
    assert len(decoded) == 1


def test_only_the_recorded_file_and_type_match(store: LocalStore) -> None:
    record = _saved(store, 7)
    other = _saved(store, "7")
    assert store.load_artifact(record, recent=True) == 7
    assert store.load_artifact(other, recent=True) == "7"


def test_a_small_content_written_again_is_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    first = store.put_bytes(b"41")
    hashed: list[bytes] = []
    real = artifacts.sha256_hex

    def sha256_hex(data: bytes) -> Any:
        hashed.append(data)
        return real(data)

    monkeypatch.setattr(artifacts, "sha256_hex", sha256_hex)
    assert store.put_bytes(b"41") == first
    assert hashed == []
    os.unlink(first[1])  # deleted behind the store's back: written again
    assert store.put_bytes(b"41") == first and Path(first[1]).read_bytes() == b"41"
    store.put_bytes(b"x" * (artifacts.HASHED_ITEM + 1))
    store.put_bytes(b"x" * (artifacts.HASHED_ITEM + 1))
    assert len(hashed) == 2  # a larger content is hashed each time


def test_contents_kept_in_memory_stay_within_their_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "RECENT_TOTAL", 20_000)
    store = ArtifactStore(tmp_path / "artifacts")
    written = [store.put_bytes(str(i).encode(), sync=False) for i in range(500)]
    assert 0 < len(store._hashes) == len(store._recent) < 100  # each entry costs memory
    for data, (content_hash, path) in store._hashes.items():
        assert store._recent[content_hash] == data
        assert hashlib.sha256(data).hexdigest() == content_hash
        assert path == str(store.path_for(content_hash))
    assert store.put_bytes(b"0") == written[0]  # forgotten: hashed and found on disk again


def test_plain_json_saved_moments_ago_is_decoded_from_memory(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _saved(store, {"a": [1, 2.5, "x"]})

    def load(self: Any, data: bytes, data_type: Any) -> Any:
        raise AssertionError("the input is loaded through the materializer")

    monkeypatch.setattr(JsonMaterializer, "load", load)
    assert store.load_artifact(record, recent=True) == {"a": [1, 2.5, "x"]}
    with pytest.raises(StoreError):  # read from its file: through the materializer
        store.load_artifact(record)


def test_a_list_or_dict_that_contains_itself_is_not_plain_json() -> None:
    """(A walk that followed it would never end; JSON cannot write it anyway.)"""
    from flowplan.store.jsoncodec import encode, is_plain_json

    looped: list[object] = [1]
    looped.append(looped)
    inner: dict[str, object] = {}
    nested = {"a": [inner]}
    inner["back"] = nested
    shared = [1, 2]
    assert not is_plain_json(looped) and not is_plain_json(nested)
    assert is_plain_json([shared, shared, {"x": shared}])  # the same list twice is no loop
    assert encode(looped) is None


def test_a_step_returning_a_list_that_contains_itself_completes() -> None:
    from flowplan import pipeline, step

    @step
    def loop() -> list:  # type: ignore[type-arg]
        looped: list[object] = [1]
        looped.append(looped)
        return looped

    @pipeline(enable_cache=False)
    def looping() -> None:
        loop()

    value = looping().steps["loop"].output.load()
    assert value[0] == 1 and value[1] is value
