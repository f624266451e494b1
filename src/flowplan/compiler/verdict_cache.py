"""The validator's verdicts, cached on disk by plan fingerprint."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flowplan.diagnostics import Diagnostic, Severity
from flowplan.env import cache_dir

VERDICT_FORMAT = 1


def _path(fingerprint: str) -> Path:
    return cache_dir() / "verdicts" / f"{fingerprint}-v{VERDICT_FORMAT}.json"


def load_verdict(fingerprint: str) -> list[Diagnostic] | None:
    try:
        data = json.loads(_path(fingerprint).read_text())
        return [
            Diagnostic(**{**d, "severity": Severity(d["severity"]), "notes": tuple(d["notes"])})
            for d in data
        ]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store_verdict(fingerprint: str, diagnostics: list[Diagnostic]) -> None:
    target = _path(fingerprint)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when a result is written (warm runs never)

        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".verdict-")
        with os.fdopen(fd, "w") as handle:
            json.dump([d.to_json() for d in diagnostics], handle)
        os.replace(tmp, target)
    except OSError:
        return  # a cache that cannot be written only costs time
