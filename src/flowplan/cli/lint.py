"""``flow check``, ``flow rules`` and ``flow rule`` / ``flow explain``."""

from __future__ import annotations

import sys

import click

from flowplan.cli.common import emit_json, json_option
from flowplan.lint.formats import FORMATS


@click.command("check")
@click.argument("paths", nargs=-1)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text",
    show_default=True, help="output format",
)
@click.option("--select", multiple=True, help="only these codes or prefixes (e.g. FP2,FP801)")
@click.option("--ignore", multiple=True, help="leave out these codes or prefixes")
@click.option("--strict", is_flag=True, help="exit with 1 on warnings too")
@click.option("--no-cache", is_flag=True, help="neither read nor write cached results")
@click.option("--fix", is_flag=True, help="apply the safe fixes (e.g. step_name= -> id=)")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="worker processes (default: one per CPU)")
def check_cmd(
    paths: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
    strict: bool, no_cache: bool, fix: bool, jobs: int | None,
) -> None:
    """Check pipelines without importing or running them (default: the whole project)."""
    from flowplan.lint.commands import run_check

    try:
        status = run_check(paths, fmt=fmt, select=select, ignore=ignore, strict=strict,
                           use_cache=not no_cache, fix=fix, jobs=jobs)
    except Exception as exc:  # never a bare traceback: exit 2 is "flowplan itself failed"
        click.echo(f"error: flow check failed unexpectedly: {type(exc).__name__}: {exc}",
                   err=True)
        sys.exit(2)
    sys.exit(status)


@click.command("rules")
@json_option
def rules_cmd(as_json: bool) -> None:
    """List the codes `flow check` reports, with the rule of each."""
    from flowplan.lint.commands import list_rules

    if as_json:
        from flowplan.lint.registry import all_rules

        emit_json(sorted(
            ({"code": e.code, "name": e.name, "severity": e.severity.value, "rule": r.name,
              "summary": e.summary} for r in all_rules() for e in r.entries),
            key=lambda row: row["code"]))
    else:
        click.echo(list_rules())


@click.command("rule")
@click.argument("code")
@json_option
def rule_cmd(code: str, as_json: bool) -> None:
    """Explain any diagnostic code FPxxx: what it means, an example, the fix."""
    from flowplan.codes import CATALOG, explanation

    text = explain_code(code)
    if text is None:
        from flowplan.messages import closest

        close = closest(code.upper(), CATALOG)
        hint = f"; did you mean {close}?" if close else ""
        click.echo(f"error: there is no code {code!r}{hint} (the catalog: docs/diagnostics.md)",
                   err=True)
        sys.exit(2)
    if as_json:
        entry = CATALOG[code.strip().upper()]
        emit_json({"code": entry.code, "name": entry.name, "severity": entry.severity.value,
                   "summary": entry.summary, "explanation": explanation(entry.code)})
    else:
        click.echo(text)


explain_cmd = click.Command(
    "explain", callback=rule_cmd.callback, params=rule_cmd.params, help=rule_cmd.help,
)


def explain_code(code: str) -> str | None:
    """The terminal form of a code's explanation (the same text as docs/diagnostics.md)."""
    from flowplan.codes import CATALOG, explanation
    from flowplan.lint.registry import rule_for

    entry = CATALOG.get(code.strip().upper())
    if entry is None:
        return None
    lines = [f"{entry.code} {entry.name} ({entry.severity.value}): {entry.summary}", ""]
    fenced = False
    for line in explanation(entry.code).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif line.startswith("**") and line.endswith("**"):
            lines.append(line.strip("*") + ":")
        else:
            lines.append(f"    {line}" if fenced and line else line)
    rule = rule_for(entry.code)
    if rule is not None:
        import textwrap

        lines += ["", "Why it matters:", "", textwrap.dedent(rule.rationale).strip()]
    if entry.code.startswith("FP8"):
        where = f"Reported by `flow check` only (rule {rule.name if rule else entry.name})."
    elif rule is not None:
        where = (f"Reported when the pipeline is compiled or run, and by `flow check` without "
                 f"running your code (rule {rule.name}).")
    else:
        where = "Reported when a pipeline is compiled or run, or by the store."
    return "\n".join([*lines, "", where])
