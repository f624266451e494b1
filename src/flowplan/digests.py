"""SHA-256 digests of the small texts and values a run hashes, without loading OpenSSL.

:mod:`hashlib` loads OpenSSL's ``libcrypto`` when it is first imported: some 10 million
instructions, a few milliseconds -- as much as a dozen of flowplan's modules, in every
process that starts a run and in the fork server of worker processes.  What a run hashes
(plans, cache keys, code, small artifacts) is mostly small, and CPython's builtin SHA-256
digests it without that cost, if some 7 times slower per byte on this kind of machine.  So
the builtin digests inputs under :data:`SMALL` bytes until it has digested :data:`BUDGET`
bytes in all (what it lost in speed by then is about what loading OpenSSL costs); larger
inputs, and everything once OpenSSL is loaded (by this module or anyone), go to
:mod:`hashlib`.  Both give the same digest.
"""

from __future__ import annotations

import sys
from typing import Protocol

try:  # CPython's builtin SHA-2 (``_sha2`` since 3.12, ``_sha256`` before)
    from _sha2 import sha256 as _builtin_sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the Python
    try:
        from _sha256 import sha256 as _builtin_sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        _builtin_sha256 = None

SMALL = 1 << 18  # bytes: an input this large goes to OpenSSL
BUDGET = 1 << 19  # bytes the builtin digests in all before OpenSSL takes over
_digested = 0  # bytes given to the builtin so far (counted loosely across threads)


class Digest(Protocol):
    """A running SHA-256 (what :func:`hashlib.sha256` returns)."""

    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...

    def hexdigest(self) -> str: ...


def sha256(data: bytes = b"", *, more: int = 0) -> Digest:
    """A SHA-256 fed ``data``; ``more``: how many bytes ``update`` will add (an estimate)."""
    global _digested
    size = len(data) + more
    if (_builtin_sha256 is not None and size < SMALL and _digested + size < BUDGET
            and "_hashlib" not in sys.modules):
        _digested += size
        digest: Digest = _builtin_sha256(data)
        return digest
    import hashlib

    return hashlib.sha256(data)


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return sha256(data).hexdigest()
