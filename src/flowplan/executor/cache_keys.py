"""Cache keys (DESIGN decision 7) and the check of a hit's content (decision 19)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowplan.compiler.plan import Invocation, TypeExpr, jsonable
from flowplan.diagnostics import StoreError
from flowplan.digests import sha256_hex
from flowplan.store.artifacts import ArtifactStore

if TYPE_CHECKING:
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.records import ArtifactRecord

CACHE_KEY_FORMAT = "1"


def cache_key(
    inv: Invocation, input_hashes: Mapping[str, Sequence[str]], parameters: Mapping[str, Any]
) -> str:
    """A hash of the step's code, its inputs' contents, its parameters and its output shape.

    Hooks, retry settings and ``enable_cache`` do not count."""
    payload = {
        "format": CACHE_KEY_FORMAT,
        "code": inv.code_hash,
        "inputs": {k: list(v) for k, v in sorted(input_hashes.items())},
        "parameters": parameters,
        "outputs": [[o.name, o.materializer, _type_json(o.type)] for o in inv.outputs],
    }
    return sha256_hex(_key_text(payload).encode())


@functools.lru_cache(maxsize=1024)
def _type_json(expr: TypeExpr | None) -> Any:
    """An output type as the key holds it (the same few types come back for every step)."""
    return jsonable(expr) if expr else None


# One encoder for every key (``json.dumps`` with options builds one per call).
_key_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


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
