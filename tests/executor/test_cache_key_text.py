"""A cache key hashes the JSON of its parts with sorted keys (DESIGN decision 7).  Whatever
makes it faster must keep the very same text, or every cache entry already stored would miss."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowplan.compiler.plan import (
    InputDef,
    Invocation,
    OutputDef,
    SourceLocation,
    StepConfig,
    StepSource,
    TypeExpr,
    jsonable,
)
from flowplan.executor.cache_keys import CACHE_KEY_FORMAT, cache_key

names = st.text(min_size=1, max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
types = st.recursive(
    st.builds(TypeExpr, name=names, bases=st.tuples(names), text=st.none() | names),
    lambda inner: st.builds(TypeExpr, name=names, args=st.lists(inner, max_size=2).map(tuple)),
    max_leaves=4,
)
outputs = st.lists(
    st.builds(OutputDef, name=names, type=st.none() | types, artifact_name=names,
              materializer=st.none() | names),
    max_size=3,
)


def _reference(inv: Invocation, inputs: dict[str, list[str]], parameters: Any) -> str:
    payload = {
        "format": CACHE_KEY_FORMAT,
        "code": inv.code_hash,
        "inputs": {k: list(v) for k, v in sorted(inputs.items())},
        "parameters": parameters,
        "outputs": [
            [o.name, o.materializer, jsonable(o.type) if o.type else None] for o in inv.outputs
        ],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@given(
    code=st.none() | st.text(max_size=10),
    outs=outputs,
    inputs=st.dictionaries(names, st.lists(st.text(max_size=5), max_size=3), max_size=3),
    parameters=st.dictionaries(st.text(max_size=5), json_values, max_size=3),
)
def test_a_cache_key_is_the_hash_of_its_parts_json_with_sorted_keys(
    code: str | None,
    outs: list[OutputDef],
    inputs: dict[str, list[str]],
    parameters: dict[str, Any],
) -> None:
    inv = Invocation(
        id="s",
        step="s",
        source=StepSource(module="m", qualname="s", path=None, line=None),
        location=SourceLocation(path=None, line=None, column=None),
        inputs={},
        input_defs=[InputDef(name="x", type=None, required=True)],
        outputs=outs,
        config=StepConfig(),
        code_hash=code,
    )
    assert cache_key(inv, inputs, parameters) == _reference(inv, inputs, parameters)
