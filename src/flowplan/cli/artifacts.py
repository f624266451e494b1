"""``flow artifacts list|show|export`` and ``flow gc``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flowplan.cli.common import client, emit_json, fail, json_option, usage_error
from flowplan.diagnostics import FlowplanError

if TYPE_CHECKING:
    from flowplan.store.views import ArtifactVersion

ARTIFACT_HELP = "ARTIFACT is an id, a name (its latest version) or NAME:VERSION."


@click.group("artifacts")
def artifacts_group() -> None:
    """List, show and export stored artifacts."""


def _size(artifact: ArtifactVersion) -> int | None:
    path = Path(artifact.uri)
    return path.stat().st_size if path.is_file() else None


def _row(artifact: ArtifactVersion) -> dict[str, Any]:
    from flowplan.store.summaries import artifact_row

    return {**artifact_row(artifact), "size": _size(artifact)}


def find_artifact(reference: str) -> ArtifactVersion:
    """An artifact version by id, by name (latest) or by NAME:VERSION."""
    name, sep, version = reference.rpartition(":")
    if sep and version.isdigit():
        return client().get_artifact_version(name, int(version))
    return client().get_artifact_version(reference)


@artifacts_group.command("list")
@click.option("--name", default=None, help="only versions of this artifact")
@click.option("--limit", default=50, show_default=True, type=int)
@json_option
def artifacts_list(name: str | None, limit: int, as_json: bool) -> None:
    """List artifact versions, newest first."""
    from flowplan.store.views import ArtifactVersion

    store = client().store
    versions = [ArtifactVersion(r, store) for r in store.metadata.list_artifact_versions(name)]
    rows = [_row(v) for v in versions[:limit]]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no artifacts")
        return
    table = [("ID", "NAME", "VERSION", "TYPE", "SIZE", "CREATED")]
    for row in rows:
        table.append((row["id"][:12], row["name"], str(row["version"]), row["data_type"],
                      "-" if row["size"] is None else str(row["size"]),
                      row["created"][:19].replace("T", " ")))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


@artifacts_group.command("show", epilog=ARTIFACT_HELP)
@click.argument("artifact")
@json_option
def artifacts_show(artifact: str, as_json: bool) -> None:
    """Show an artifact version: its metadata and a preview of its value."""
    try:
        found = find_artifact(artifact)
        value = found.load()
    except FlowplanError as exc:
        fail(exc)
    row = _row(found)
    preview = repr(value)
    row["preview"] = preview if len(preview) <= 2000 else preview[:2000] + "…"
    if as_json:
        emit_json(row)
        return
    for key in ("name", "version", "id", "data_type", "materializer", "content_hash", "size",
                "uri", "created"):
        click.echo(f"{key}: {row[key]}")
    click.echo(f"value: {row['preview']}")


@artifacts_group.command("export", epilog=ARTIFACT_HELP)
@click.argument("artifact")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="file to write")
@click.option("--raw", is_flag=True, help="copy the stored file as it is")
def artifacts_export(artifact: str, output: str, raw: bool) -> None:
    """Write an artifact's value to a file: text and bytes as they are, other values as
    JSON; --raw copies the stored file."""
    try:
        found = find_artifact(artifact)
        if raw:
            shutil.copyfile(found.uri, output)
        else:
            _write_value(found.load(), Path(output))
    except FlowplanError as exc:
        fail(exc)
    except OSError as exc:
        usage_error(f"cannot write {output}: {exc}")
    click.echo(f"wrote {found.name} v{found.version} to {output}", err=True)


def _write_value(value: Any, path: Path) -> None:
    if isinstance(value, bytes):
        path.write_bytes(value)
    elif isinstance(value, str):
        path.write_text(value, encoding="utf-8")
    else:
        try:
            text = json.dumps(value, indent=2)
        except (TypeError, ValueError):
            usage_error(f"a {type(value).__name__} has no JSON form: export it with --raw")
        path.write_text(text + "\n", encoding="utf-8")


@click.command("gc")
@click.option("--yes", is_flag=True, help="delete (without it: a dry run)")
@json_option
def gc_cmd(yes: bool, as_json: bool) -> None:
    """Delete artifact versions no run references, their files, and temporary files left by
    interrupted writes (a dry run unless --yes)."""
    from flowplan.cli.runs import report_collected
    from flowplan.store.cleanup import collect_garbage

    try:
        collected = collect_garbage(client().store, apply=yes)
    except FlowplanError as exc:
        fail(exc)
    report_collected(collected, yes, as_json, [])
