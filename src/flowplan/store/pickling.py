"""Signed pickles (DESIGN decision 12): a pickle not written by this store is never unpickled.

A pickle artifact is one header line and the pickle bytes::

    flowplan-pickle/1 python=3.11 hmac-sha256=<64 hex>\\n<pickle bytes>

The HMAC-SHA256 covers the header (without the signature) and the body, keyed by the store's
secret ``<home>/secret.key`` (32 random bytes, created with 0600 permissions at first use).
:func:`open_signed` checks the signature before the Python version, and both before anyone
unpickles anything: a tampered or foreign file fails with ``FP504``, a file written by another
Python minor version with ``FP505``.

The key never leaves the machine that owns the store (DESIGN decision 19): a Dask worker
elsewhere writes ``flowplan-pickle/1 python=3.11 digest-checked`` in place of the signature.
Such a pickle -- and, on a worker without the key, any pickle -- is opened only by a caller
that has checked the bytes against the content hash the driver recorded for them
(``digest_checked=True``): the artifact loader, which reads every file through its record.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from flowplan.diagnostics import StoreError
from flowplan.messages import runtime
from flowplan.messages import store as store_messages

if TYPE_CHECKING:
    import hmac

KEY_FILENAME = "secret.key"
_KEY_BYTES = 32
_FORMAT = "flowplan-pickle/1"
_MAX_HEADER = 200  # bytes: longer than any header
CHUNK = 1 << 20  # bytes read at a time when a file is checked
_UNTRUSTED_WHY = "unpickling runs arbitrary code, so a pickle of unknown origin is never loaded"


@functools.cache
def _header() -> re.Pattern[bytes]:
    """The pattern of a pickle's header line, compiled when a process first reads a pickle."""
    return re.compile(
        rb"flowplan-pickle/1 python=(?P<major>\d+)\.(?P<minor>\d+) "
        rb"(?:hmac-sha256=(?P<mac>[0-9a-f]{64})|digest-checked)\n"
    )


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _signer(key: bytes, version: str) -> hmac.HMAC:
    import hashlib  # (with hmac: loaded only where a pickle is signed or checked)
    import hmac

    return hmac.new(key, f"{_FORMAT} python={version}\n".encode(), hashlib.sha256)


def _mac(key: bytes, version: str, body: bytes) -> str:
    signer = _signer(key, version)
    signer.update(body)
    return signer.hexdigest()


def sign(body: bytes, key: bytes | None, version: str | None = None) -> bytes:
    """Prefix ``body`` with a header that records ``version`` (default: this Python) and signs
    it with ``key``; without a key (a Dask worker), the header says ``digest-checked``."""
    version = version or python_version()
    proof = f"hmac-sha256={_mac(key, version, body)}" if key is not None else "digest-checked"
    return f"{_FORMAT} python={version} {proof}\n".encode() + body


def open_signed(data: bytes, key: bytes | None, *, digest_checked: bool = False) -> bytes:
    """The pickle body of a signed payload.

    Refuses a foreign or changed one (``FP504``), then one from another Python (``FP505``).
    ``digest_checked`` says the caller has checked ``data`` against the content hash the
    store recorded for it: then a ``digest-checked`` pickle is accepted, and so is a signed one
    where no key is at hand.
    """
    match = _header().match(data)
    body = data[match.end() :] if match is not None else b""
    _check(match, key, digest_checked, lambda signer: signer.update(body))
    return body


def check_signed_file(handle: BinaryIO, key: bytes | None, *, digest_checked: bool) -> None:
    """:func:`open_signed` for a payload in a file, read in chunks (a large pickle is never
    held in memory to be checked); ``handle`` is left at the start of the pickle body."""
    match = _header().fullmatch(handle.readline(_MAX_HEADER))
    body_start = handle.tell()

    def feed(signer: hmac.HMAC) -> None:
        while chunk := handle.read(CHUNK):
            signer.update(chunk)

    _check(match, key, digest_checked, feed)
    handle.seek(body_start)


def sign_into(
    handle: BinaryIO, key: bytes | None, write_body: Callable[[Writable], None]
) -> None:
    """Write a signed payload into ``handle`` (at its start; seekable) as :func:`sign` would
    make it, with the body written by ``write_body`` as it goes: the header's place is kept,
    the signature computed over what passes, and the header written last."""
    version = python_version()
    placeholder = sign(b"", key, version)  # the header has the same length whatever the body
    handle.write(placeholder)
    signer = None
    if key is not None:
        signer = _signer(key, version)
    write_body(_Signing(handle, signer))
    end = handle.tell()
    handle.seek(0)
    proof = f"hmac-sha256={signer.hexdigest()}" if signer is not None else "digest-checked"
    header = f"{_FORMAT} python={version} {proof}\n".encode()
    assert len(header) == len(placeholder)
    handle.write(header)
    handle.seek(end)


class Writable(Protocol):
    """What a body is written to: anything with ``write``."""

    def write(self, data: bytes | memoryview, /) -> int: ...


class _Signing:
    """A writer that passes everything on and feeds it to the signature."""

    def __init__(self, handle: BinaryIO, signer: hmac.HMAC | None) -> None:
        self._handle = handle
        self._signer = signer

    def write(self, data: bytes | memoryview) -> int:
        if self._signer is not None:
            self._signer.update(data)
        return self._handle.write(data)


def _check(
    match: re.Match[bytes] | None,
    key: bytes | None,
    digest_checked: bool,
    feed: Callable[[hmac.HMAC], None],
) -> None:
    """Refuse an unsigned or wrongly signed payload (FP504), then another Python's (FP505);
    ``feed`` gives the signer the body."""
    if match is None or (match["mac"] is None and not digest_checked):
        raise StoreError(store_messages.unsigned_pickle())
    version = f"{int(match['major'])}.{int(match['minor'])}"
    signed, keyless = match["mac"] is not None, key is None
    if signed and not (keyless and digest_checked):
        mac = ""
        if key is not None:
            signer = _signer(key, version)
            feed(signer)
            mac = signer.hexdigest()
        import hmac

        if not hmac.compare_digest(mac, match["mac"].decode()):
            raise StoreError(store_messages.pickle_signature_mismatch())
    if version != python_version():
        raise StoreError(store_messages.pickle_python_version(version, python_version()))


def load_or_create_key(home: Path) -> bytes:
    """The store's signing key, created (0600, atomically) the first time it is needed."""
    path = home / KEY_FILENAME
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    import secrets  # once per store

    create_once(path, secrets.token_hex(_KEY_BYTES))
    return _read_key(path)


def create_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (0600) unless the file exists; of two processes racing, one
    file wins and both read it."""
    home = path.parent
    import secrets

    home.mkdir(parents=True, exist_ok=True)
    temp = home / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # A hard link never replaces an existing key: when two processes race, one key wins
        # and both use it.  (Files appear complete, so readers never see half a key.)
        os.link(temp, path)
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if not path.exists():
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise StoreError(runtime.signing_key_unreadable(str(path), "it is a folder")) from None
    except OSError as exc:
        raise StoreError(
            runtime.signing_key_unreadable(str(path), exc.strerror or str(exc))
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _KEY_BYTES:
        raise StoreError(store_messages.malformed_signing_key(len(text), str(path)))
    return key
