"""``flow rule`` explains every code of the catalog, from the files that generate
docs/diagnostics.md; every command a hint names exists and works as written."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowplan import codes
from flowplan.cli import main
from flowplan.client import Client
from flowplan.diagnostics import FlowplanError
from flowplan.executor.errors import RunFailedError
from tests.conftest import ROOT

COMMAND = re.compile(r"\bflow ((?:[a-z][\w.:~-]*|FP\d{3})(?: (?:[\w.:~-]+))*)")
PLACEHOLDER = re.compile(r"\b(RUN|STEP|CODE|FILE|PIPELINE|NAME|ID)\b")
SOURCE = ROOT / "src" / "flowplan"


def flow(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def hint_commands(text: str) -> list[list[str]]:
    """The ``flow …`` commands a diagnostic's text names."""
    return [shlex.split(m.group(1)) for m in COMMAND.finditer(text)]


def test_the_catalog_page_is_generated_from_the_explanations() -> None:
    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert page == codes.diagnostics_markdown(), (
        "regenerate: python -m flowplan.cli.diagnostics_doc > docs/diagnostics.md")


@pytest.mark.parametrize("code", sorted(codes.CATALOG))
def test_flow_rule_explains_every_code_and_its_see_hint_works(code: str) -> None:
    status, out, _ = flow("rule", code.lower())
    entry = codes.CATALOG[code]
    assert status == 0
    assert out.startswith(f"{code} {entry.name} ({entry.severity.value}): {entry.summary}\n")
    assert "Example:" in out and "Fix:" in out
    for internal in ("src/", "tests/", "# expect", "fixtures/"):
        assert internal not in out, f"{code}: `flow rule` shows {internal!r}"
    rendered = codes.make(code, "a problem", fix="do this").render()
    commands = hint_commands(rendered)
    assert commands == [["rule", code]]
    for command in commands:
        assert flow(*command)[0] == 0


def _fix_texts() -> list[tuple[str, str]]:
    """``(where, text)`` of every literal part of a ``fix=`` given to a diagnostic in src."""
    found = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "fix":
                parts = [n.value for n in ast.walk(node.value)
                         if isinstance(n, ast.Constant) and isinstance(n.value, str)]
                if parts:
                    found.append((f"{path.relative_to(ROOT)}:{node.value.lineno}", " ".join(parts)))
    return found


def test_every_flow_command_in_a_fix_hint_exists_without_placeholders() -> None:
    named = [(where, text) for where, text in _fix_texts() if COMMAND.search(text)]
    assert named, "the hints name commands (flow runs logs, flow runs, ...)"
    for where, text in named:
        for match in COMMAND.finditer(text):
            words = match.group(1).split()
            assert not PLACEHOLDER.search(match.group(1)), f"{where}: placeholder in {text!r}"
            command = main
            for word in words:
                import click

                if not isinstance(command, click.Group) or word not in command.commands:
                    break
                command = command.commands[word]
            assert command is not main, f"{where}: `flow {words[0]}` is no command"


FAILING = """
from flowplan import pipeline, step

@step
def fine() -> int:
    print("fine here")
    return 1

@step
def boom(x: int) -> int:
    print("about to fail")
    raise RuntimeError("nope")

@pipeline
def pipe() -> None:
    boom(fine())
"""


def test_the_hints_of_run_time_messages_work_as_written(tmp_path: Path) -> None:
    from flowplan.loader import load_module

    script = tmp_path / "failing.py"
    script.write_text(FAILING)
    with pytest.raises(RunFailedError) as caught:
        load_module(str(script)).pipe()
    commands = hint_commands(caught.value.render())
    assert commands[0] == ["runs", "logs", caught.value.run.name, "boom"]  # real run and step
    status, out, err = flow(*commands[0])
    assert status == 0 and "about to fail" in out and "RuntimeError: nope" in err
    assert flow(*commands[1])[0] == 0  # see: flow rule FP502

    with pytest.raises(FlowplanError) as missing:
        Client().get_pipeline_run("no-such-run")
    commands = hint_commands(missing.value.render())
    assert commands[0] == ["runs"]
    status, out, _ = flow(*commands[0])
    assert status == 0 and caught.value.run.name in out  # `flow runs` alone lists


def test_the_ambiguous_prefix_hint_names_a_working_command() -> None:
    meta = Client().store.metadata
    ids = []
    for n, suffix in enumerate(["0000-4000-8000-000000000001", "0000-4000-8000-000000000002"]):
        run_id = meta.create_run(f"manual-{n}", "manual", {}, None, {})
        new_id = f"abcd{n}fff-{suffix}"
        meta.db.write(lambda c, old=str(run_id), new=new_id: c.execute(
            "UPDATE runs SET id = ? WHERE id = ?", (new, old)))
        ids.append(new_id)
    with pytest.raises(FlowplanError) as ambiguous:
        Client().get_pipeline_run("abcd")
    assert ambiguous.value.code == "FP545"
    commands = hint_commands(ambiguous.value.render())
    status, out, _ = flow(*commands[0])
    assert status == 0 and "manual-1" in out
    assert Client().get_pipeline_run("abcd0").name == "manual-0"


def test_rule_and_rules_as_json() -> None:
    import json

    status, out, _ = flow("rule", "FP502", "--json")
    shown = json.loads(out)
    assert status == 0 and shown["name"] == "step-failed"
    assert shown["explanation"] == codes.explanation("FP502")
    status, out, _ = flow("rules", "--json")
    listed = json.loads(out)
    assert status == 0 and {"FP801", "FP208"} <= {row["code"] for row in listed}
