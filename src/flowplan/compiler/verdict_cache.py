"""The validator's verdicts, cached on disk by plan fingerprint (and in memory: a verdict is
read from disk once per process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flowplan.diagnostics import Diagnostic, Severity
from flowplan.env import cache_dir

VERDICT_FORMAT = 1
# Verdicts this process read or wrote, by fingerprint (a verdict depends on the plan alone).
_KNOWN: dict[str, tuple[Diagnostic, ...]] = {}
KNOWN_AT_MOST = 256


def _path(fingerprint: str) -> Path:
    return cache_dir() / "verdicts" / f"{fingerprint}-v{VERDICT_FORMAT}.json"


def load_verdict(fingerprint: str) -> list[Diagnostic] | None:
    known = _KNOWN.get(fingerprint)
    if known is not None:
        return list(known)
    try:
        data = json.loads(_path(fingerprint).read_text())
        verdict = [
            Diagnostic(**{**d, "severity": Severity(d["severity"]), "notes": tuple(d["notes"])})
            for d in data
        ]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    _remember(fingerprint, verdict)
    return verdict


def _remember(fingerprint: str, verdict: list[Diagnostic]) -> None:
    if len(_KNOWN) >= KNOWN_AT_MOST:
        _KNOWN.clear()
    _KNOWN[fingerprint] = tuple(verdict)


def store_verdict(fingerprint: str, diagnostics: list[Diagnostic]) -> None:
    _remember(fingerprint, diagnostics)
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
