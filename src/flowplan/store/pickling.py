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
import hashlib
import hmac
import os
import re
import secrets
import sys
from pathlib import Path

from flowplan import codes
from flowplan.diagnostics import StoreError
from flowplan.messages import runtime

KEY_FILENAME = "secret.key"
_KEY_BYTES = 32
_FORMAT = "flowplan-pickle/1"
_HEADER = re.compile(
    rb"flowplan-pickle/1 python=(?P<major>\d+)\.(?P<minor>\d+) "
    rb"(?:hmac-sha256=(?P<mac>[0-9a-f]{64})|digest-checked)\n"
)
_UNTRUSTED_WHY = "unpickling runs arbitrary code, so a pickle of unknown origin is never loaded"


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _mac(key: bytes, version: str, body: bytes) -> str:
    signer = hmac.new(key, f"{_FORMAT} python={version}\n".encode(), hashlib.sha256)
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
    match = _HEADER.match(data)
    if match is None or (match["mac"] is None and not digest_checked):
        raise StoreError(
            codes.make(
                "FP504",
                "refusing to unpickle an artifact that carries no flowplan signature",
                fix="only pickles written by this store are loaded; re-run the step that "
                "produces it",
                why=_UNTRUSTED_WHY,
            )
        )
    version = f"{int(match['major'])}.{int(match['minor'])}"
    body = data[match.end() :]
    signed, keyless = match["mac"] is not None, key is None
    if signed and not (keyless and digest_checked):
        mac = _mac(key, version, body) if key is not None else ""
        if not hmac.compare_digest(mac, match["mac"].decode()):
            raise StoreError(
                codes.make(
                    "FP504",
                    "refusing to unpickle an artifact whose signature does not match this "
                    "store's key (it was changed, or written by another store)",
                    fix="re-run the step that produces it; copy `secret.key` along with the "
                    "store only if you trust every pickle in it",
                    why=_UNTRUSTED_WHY,
                )
            )
    if version != python_version():
        raise StoreError(
            codes.make(
                "FP505",
                f"this pickle artifact was written by Python {version} and cannot be loaded by "
                f"Python {python_version()}",
                fix=f"load it with Python {version}, or give the output a type annotation that "
                "pydantic can serialise (or a custom materializer) so it is stored portably",
            )
        )
    return body


def load_or_create_key(home: Path) -> bytes:
    """The store's signing key, created (0600, atomically) the first time it is needed."""
    path = home / KEY_FILENAME
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    create_once(path, secrets.token_hex(_KEY_BYTES))
    return _read_key(path)


def create_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (0600) unless the file exists; of two processes racing, one
    file wins and both read it."""
    home = path.parent
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
        raise StoreError(
            codes.make(
                "FP504",
                f"the store's pickle signing key is malformed ({len(text)} characters)",
                path=str(path),
                fix="delete the file; a new key is created, and pickles signed with the old "
                "one are refused from then on",
            )
        )
    return key
