"""Cache keys (DESIGN decision 7) and the check of a hit's content (decision 19)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from flowplan.compiler.plan import Invocation, TypeExpr, jsonable
from flowplan.diagnostics import StoreError
from flowplan.digests import sha256_hex
from flowplan.store.artifacts import ArtifactStore

if TYPE_CHECKING:
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.records import ArtifactRecord

CACHE_KEY_FORMAT = "1"
# One encoder for every key (``json.dumps`` with options builds one per call).
_key_text: Callable[[Any], str] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=str
).encode
_string: Callable[[str], str] = encode_basestring_ascii  # JSON of a str, as the encoder writes it


def cache_key(
    inv: Invocation, input_hashes: Mapping[str, Sequence[str]], parameters: Mapping[str, Any]
) -> str:
    """A hash of the step's code, its inputs' contents, its parameters and its output shape.

    Hooks, retry settings and ``enable_cache`` do not count.  The hashed text is the JSON of
    ``{"format", "code", "inputs", "outputs", "parameters"}`` with sorted keys and no spaces
    (``json.dumps(..., sort_keys=True, separators=(",", ":"), default=str)``), written here
    part by part: the outputs' part is the same for every invocation of a step, and inputs
    are names with lists of hex digests."""
    inputs = ",".join(
        f"{_string(name)}:[{','.join(map(_string, hashes))}]"
        for name, hashes in sorted(input_hashes.items())
    )
    outputs = _outputs_text(tuple((o.name, o.materializer, o.type) for o in inv.outputs))
    code = "null" if inv.code_hash is None else _string(inv.code_hash)
    text = (
        f'{{"code":{code},"format":"{CACHE_KEY_FORMAT}","inputs":{{{inputs}}},'
        f'"outputs":{outputs},"parameters":{_key_text(parameters) if parameters else "{}"}}}'
    )
    return sha256_hex(text.encode())


def step_cache_key(
    inv: Invocation,
    inputs: Mapping[str, Any],
    parameters: Callable[[Invocation], Mapping[str, Any]],
) -> str:
    """:func:`cache_key` of ``inv`` run on ``inputs`` (input name -> artifact record, or a
    list of them: fan-in), with ``parameters(inv)``.

    A key is a function of the invocation and its inputs' contents only, so each
    invocation's last key is kept with those contents: a run of an unchanged pipeline takes
    up its previous run's invocations (:mod:`flowplan.compiler.frontends.replay`; compiled
    invocations are never changed), and its steps, given inputs of the same content, find
    their keys here instead of hashing them again."""
    contents = tuple(
        tuple([r.content_hash for r in value]) if isinstance(value, list) else value.content_hash
        for value in inputs.values()
    )
    last = _LAST_KEYS.get(id(inv))
    if last is not None and last[0] is inv and last[1] == contents:
        return last[2]
    hashes = {
        name: list(found) if isinstance(found, tuple) else [found]
        for name, found in zip(inputs, contents, strict=True)
    }
    key = cache_key(inv, hashes, parameters(inv))
    if len(_LAST_KEYS) >= LAST_KEYS_KEPT:
        _LAST_KEYS.clear()
    _LAST_KEYS[id(inv)] = (inv, contents, key)  # (the invocation kept: its id stays its own)
    return key


LAST_KEYS_KEPT = 1 << 14
# id of an invocation -> (the invocation, its inputs' content hashes, its key)
_LAST_KEYS: dict[int, tuple[Invocation, tuple[Any, ...], str]] = {}


@functools.lru_cache(maxsize=1024)
def _outputs_text(outputs: tuple[tuple[str, str | None, TypeExpr | None], ...]) -> str:
    """The outputs' part of a key (the same few shapes come back for every step)."""
    return _key_text([[name, materializer, jsonable(kind) if kind else None]
                      for name, materializer, kind in outputs])  # fmt: skip


def caching_enabled(inv: Invocation, pipeline_enable_cache: bool | None) -> bool:
    """A step's own setting wins; unset, it inherits the pipeline's; both unset means on."""
    if not inv.config.cacheable:
        return False
    if inv.config.enable_cache is not None:
        return inv.config.enable_cache
    return pipeline_enable_cache is not False


def verify_cached(store: ArtifactIO, outputs: Mapping[str, Sequence[ArtifactRecord]]) -> bool:
    """Whether every cached artifact's content matches the digest recorded with it (DESIGN
    decision 19).  A damaged local file is deleted, so that the rerun step restores it."""
    for records in outputs.values():
        for record in records:
            blobs = store.blobs_for(record.uri)
            try:
                if isinstance(blobs, ArtifactStore):
                    blobs.check(record.content_hash)  # a large file is checked in chunks
                else:
                    blobs.get_bytes(record.content_hash)
            except StoreError:
                if isinstance(blobs, ArtifactStore):
                    blobs.discard(record.content_hash)
                return False
    return True
