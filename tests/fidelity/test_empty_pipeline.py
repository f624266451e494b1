"""A pipeline whose body calls no step is an error (FP230, at its def) wherever it is
compiled -- calling it, ``compiled()``, ``flow compile``, ``flow run`` -- and records no run;
``flow check`` reports the same code for the file that runs it (decision 21)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowplan import Client, pipeline, step
from flowplan.cli import main
from flowplan.diagnostics import CompileError

SCRIPT = '''
from flowplan import pipeline, step

@step
def load() -> int:
    return 1

@pipeline
def nothing_yet() -> None:
    """To be written."""

@pipeline
def loading() -> None:
    load()

if __name__ == "__main__":
    nothing_yet()
'''


@step
def load() -> int:
    return 1


@pipeline
def empty() -> None:
    pass


@pipeline
def off_by_default(enabled: bool = False) -> None:
    if enabled:
        load()


def _only(exc: CompileError) -> tuple[str, str | None, int | None]:
    [found] = exc.diagnostics
    assert found.fix
    return found.code, found.path, found.line


def test_calling_or_compiling_a_pipeline_without_steps_is_fp230_and_runs_nothing() -> None:
    where = (__file__, empty.location[1])
    with pytest.raises(CompileError) as called:
        empty()
    assert _only(called.value) == ("FP230", *where)
    assert str(called.value).startswith(f"{__file__}:{where[1]}: FP230 pipeline `empty`")
    with pytest.raises(CompileError) as compiled:
        empty.compiled()
    assert _only(compiled.value) == ("FP230", *where)
    with pytest.raises(CompileError):
        off_by_default()
    assert off_by_default(enabled=True).status.value == "completed"
    assert [r.pipeline_name for r in Client().list_pipeline_runs()] == ["off_by_default"]


def test_flow_compile_run_and_check_report_fp230(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in ("compile", "run"):
        result = runner.invoke(main, [command, "script.py:nothing_yet"])
        assert result.exit_code != 0, result.output
        assert "FP230" in result.stderr and "Traceback" not in result.output + result.stderr
        assert "script.py:8" in result.stderr
    assert runner.invoke(main, ["run", "script.py:loading"]).exit_code == 0
    assert [r.pipeline_name for r in Client().list_pipeline_runs()] == ["loading"]
    checked = runner.invoke(main, ["check", "--no-cache", "--format", "json", "script.py"])
    assert checked.exit_code == 1, checked.output
    found = [(d["code"], d["line"], d["message"]) for d in json.loads(checked.stdout)]
    assert found == [("FP230", 8, "pipeline `nothing_yet` calls no step: there is nothing to "
                                  "run")]
