"""``flow check`` output: text (one line per problem and a summary), JSON, SARIF 2.1.0 for
code scanning, and GitHub workflow annotations.  Paths are shown relative to the current
directory when they are inside it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from flowplan.codes import CATALOG
from flowplan.diagnostics import Diagnostic, Severity

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def shown_path(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(os.path.relpath(path)).as_posix() if not path.startswith("<") else path
    except ValueError:  # another drive on Windows
        return path


def _relative(d: Diagnostic) -> Diagnostic:
    return replace(d, path=shown_path(d.path))


def summary(diagnostics: Sequence[Diagnostic], files: int, fixed: int = 0) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    repaired = f", {fixed} fixed" if fixed else ""
    if not diagnostics:
        return f"All checks passed ({checked}{repaired})."
    return (
        f"Found {len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''} "
        f"({errors} error{'s' if errors != 1 else ''}, {warnings} warning"
        f"{'s' if warnings != 1 else ''}; {checked}{repaired})."
    )


def with_fix(d: Diagnostic) -> str:
    """The message with its fix hint: ``message (help: fix)``."""
    return d.message + (f" (help: {d.fix})" if d.fix else "")


def as_text(diagnostics: Sequence[Diagnostic], files: int, fixed: int = 0) -> str:
    """One line per problem, ``path:line:col: FPxxx message (help: fix)``, and a summary."""
    lines = [replace(_relative(d), message=with_fix(d)).format() for d in diagnostics]
    return "\n".join([*lines, summary(diagnostics, files, fixed)])


def as_json(diagnostics: Sequence[Diagnostic]) -> str:
    keys = ("code", "severity", "message", "path", "line", "column", "end_line", "end_column",
            "fix")
    records = []
    for d in diagnostics:
        data = _relative(d).to_json()
        record = {k: data[k] for k in keys}
        if d.subjects:  # what the message speaks of, as data (a cycle's steps, in order)
            record["subjects"] = list(d.subjects)
        records.append(record)
    return json.dumps(records, indent=2)


def _region(d: Diagnostic) -> dict[str, int]:
    region = {"startLine": d.line or 1}
    if d.column:
        region["startColumn"] = d.column
    if d.end_line:
        region["endLine"] = d.end_line
    if d.end_column:
        region["endColumn"] = d.end_column
    return region


def sarif_uri(path: str) -> str:
    """A path as a SARIF ``uri`` (a URI reference, RFC 3986): relative to the current
    directory when inside it, with a space, ``#``, ``%`` or any other reserved character
    percent-encoded."""
    from urllib.parse import quote

    return quote(shown_path(path) or path, safe="/")


def as_sarif(diagnostics: Sequence[Diagnostic], version: str) -> str:
    codes = sorted({d.code for d in diagnostics} | set())
    rules = [
        {
            "id": code,
            "name": CATALOG[code].name,
            "shortDescription": {"text": CATALOG[code].summary},
            "defaultConfiguration": {"level": CATALOG[code].severity.value},
            "help": {"text": f"flow rule {code}"},
        }
        for code in codes if code in CATALOG
    ]
    results: list[dict[str, Any]] = []
    for d in diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": d.severity.value,
            "message": {"text": with_fix(d)},
        }
        if d.path:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": sarif_uri(d.path), "uriBaseId": "%SRCROOT%"},
                "region": _region(d),
            }}]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flowplan", "version": version,
                                "informationUri": "https://pypi.org/project/flowplan/",
                                "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2)


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        props = []
        if d.path:
            props.append(f"file={_escape(shown_path(d.path) or '', True)}")
        for key, value in (("line", d.line), ("col", d.column), ("endLine", d.end_line),
                           ("endColumn", d.end_column)):
            if value:
                props.append(f"{key}={value}")
        props.append(f"title={d.code}")
        lines.append(f"::{kind} {','.join(props)}::{_escape(f'{d.code} {with_fix(d)}')}")
    return "\n".join(lines)


def render(fmt: str, diagnostics: Sequence[Diagnostic], files: int, fixed: int,
           version: str) -> str:
    if fmt == "json":
        return as_json(diagnostics)
    if fmt == "sarif":
        return as_sarif(diagnostics, version)
    if fmt == "github":
        return as_github(diagnostics)
    return as_text(diagnostics, files, fixed)
