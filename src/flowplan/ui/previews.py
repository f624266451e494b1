"""What the dashboard shows of user data: logs and artifact values clipped to a size a page
can hold (the whole of them is a download away), and settings with their secrets hidden.

Artifact previews read the stored bytes and never unpickle or import anything: JSON and
text are shown, anything else is described.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from flowplan.alerters import INVALID_URL, redacted_url
from flowplan.diagnostics import FlowplanError
from flowplan.store.artifact_io import ArtifactIO
from flowplan.store.records import ArtifactRecord
from flowplan.store.remote import is_url

LOG_LIMIT = 64 * 1024  # characters of a log shown in a page (its end)
PREVIEW_LIMIT = 16 * 1024  # bytes of an artifact shown in a page (its start)
_SECRET_KEY = re.compile(
    r"url|token|secret|passw|api_?key|auth|credential|webhook|private", re.IGNORECASE
)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
HIDDEN = "•••• (hidden)"


@dataclass(frozen=True)
class Clipped:
    text: str
    size: int  # characters (logs) or bytes (artifacts) in all
    truncated: bool


def clip_log(text: str | None, limit: int = LOG_LIMIT) -> Clipped:
    """The end of a log (where errors are), at most ``limit`` characters."""
    text = text or ""
    if len(text) <= limit:
        return Clipped(text, len(text), False)
    return Clipped(text[-limit:], len(text), True)


@dataclass(frozen=True)
class Preview:
    kind: Literal["json", "text", "binary", "pickle", "missing"]
    text: str
    size: int
    truncated: bool


def read_head(io: ArtifactIO, record: ArtifactRecord, limit: int) -> tuple[bytes, int]:
    """The first ``limit`` bytes of an artifact's file, and its size in bytes."""
    if not is_url(record.uri) and io.local_artifacts is not None:
        path = io.local_artifacts.path_for(record.content_hash)
        with open(path, "rb") as handle:
            return handle.read(limit), path.stat().st_size
    data = io.blobs_for(record.uri).get_bytes(record.content_hash)
    return data[:limit], len(data)


def preview_artifact(io: ArtifactIO, record: ArtifactRecord, limit: int = PREVIEW_LIMIT) -> Preview:
    """A text preview of an artifact's value, from its stored bytes."""
    try:
        head, size = read_head(io, record, limit + 1)
    except (OSError, FlowplanError) as exc:
        return Preview("missing", f"the artifact's file cannot be read: {exc}", 0, False)
    truncated = size > limit
    head = head[:limit]
    materializer = record.materializer.rsplit(":", 1)[-1]
    if materializer == "CloudpickleMaterializer":
        return Preview("pickle", f"a pickled `{record.data_type}` ({size} bytes)", size, False)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        if not truncated:
            return Preview("binary", f"{size} bytes of binary data", size, False)
        text = head.decode("utf-8", errors="replace")
    if materializer == "JsonMaterializer" and not truncated:
        try:
            value = json.loads(text)
        except ValueError:
            return Preview("text", text, size, truncated)
        if isinstance(value, str):
            return Preview("text", value, size, False)
        pretty = json.dumps(value, indent=2, ensure_ascii=False)
        return Preview("json", pretty[:limit], size, len(pretty) > limit)
    kind: Literal["json", "text"] = "json" if materializer == "JsonMaterializer" else "text"
    return Preview(kind, text, size, truncated)


def redact_url(url: str) -> str:
    """A URL with only its scheme and host left: paths, queries and user info of webhook
    and service URLs carry their secrets."""
    shown = redacted_url(url)
    return HIDDEN if shown == INVALID_URL else f"{shown}/•••• (hidden)"


def redact(value: Any, key: str = "") -> Any:
    """``value`` with the values of secret-looking keys hidden and user info stripped from
    URLs (``scheme://user:password@host`` -> ``scheme://host``), recursively."""
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        if key and _SECRET_KEY.search(key) and value:
            return redact_url(value) if "://" in value else HIDDEN
        return _USERINFO.sub(r"\g<scheme>", value)
    return value


def pretty_json(value: Any) -> str:
    """Indented JSON of an already redacted value (the page escapes it)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def download_name(record: ArtifactRecord) -> str:
    """A safe file name for an artifact download."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", record.name.replace("::", ".")).strip("._")
    ext = {"JsonMaterializer": ".json", "CloudpickleMaterializer": ".pkl"}.get(
        record.materializer.rsplit(":", 1)[-1], ".bin"
    )
    return f"{stem or 'artifact'}-v{record.version}{ext}"


def artifact_path(io: ArtifactIO, record: ArtifactRecord) -> Path | None:
    """The local file of an artifact, when it is one (downloads stream it)."""
    if is_url(record.uri) or io.local_artifacts is None:
        return None
    return io.local_artifacts.path_for(record.content_hash)
