"""What ``flow check`` prints, whatever the files: a column on every line, fix hints in the
text output, SARIF ``uri``s that are valid URI references, a usage error for an unknown
``--select``/``--ignore`` code, a quiet end when the reader closes the pipe, and files named
on the command line checked even where ``exclude`` matches them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowplan.cli import main
from tests.lint.helpers import write_project

PIPES = {
    "flowplan": "from flowplan import pipeline, step\n",
    "zenml": "from zenml import pipeline, step\n",
}
BAD = """
def notify(message: str) -> None:
    print(message)

@step(on_success=notify)
def load() -> int:
    return 1

@pipeline(run_name="run-{user}")
def training() -> None:
    load(nope=1)
    load(step_name="second")
"""
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>FP\d{3}) (?P<rest>.*)$")


def flow(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("spelling", sorted(PIPES))
def test_every_text_line_has_a_column_and_its_fix_hint(tmp_path: Path, spelling: str) -> None:
    root = write_project(tmp_path / "p", {"pipes.py": PIPES[spelling] + BAD})
    status, out, _ = flow("check", "--no-cache", str(root))
    assert status == 1
    *problems, summary = out.strip().splitlines()
    assert summary.startswith("Found ")
    parsed = [LINE.match(line) for line in problems]
    assert all(parsed), problems
    codes = {m.group("code"): m for m in parsed if m}
    assert {"FP108", "FP208", "FP303", "FP801"} <= set(codes)
    assert (codes["FP108"].group("line"), codes["FP108"].group("col")) == ("6", "1")
    assert all(" (help: " in m.group("rest") for m in parsed if m)
    status, out, _ = flow("check", "--no-cache", "--format", "json", str(root))
    assert all(record["column"] for record in json.loads(out))


def test_sarif_uris_are_percent_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = "my project #1 100%"
    write_project(tmp_path / folder, {"sub dir/pipes [a].py": PIPES["flowplan"] + BAD})
    monkeypatch.chdir(tmp_path)
    status, out, _ = flow("check", "--no-cache", "--format", "sarif", folder)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert status == 1
    assert uris == {"my%20project%20%231%20100%25/sub%20dir/pipes%20%5Ba%5D.py"}


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_code_is_a_usage_error(tmp_path: Path, option: str) -> None:
    root = write_project(tmp_path / "p", {"pipes.py": PIPES["flowplan"] + BAD})
    status, out, err = flow("check", option, "FPX", str(root))
    assert status == 2 and out == ""
    assert "no code starts with `FPX`" in err
    status, _, err = flow("check", option, "FP2,FP999", str(root))  # one typo among good ones
    assert status == 2 and "`FP999`" in err and "`FP2`" not in err


def test_a_closed_output_pipe_ends_quietly(tmp_path: Path) -> None:
    body = BAD + "".join(f"    load(nope={i})\n" for i in range(3000))  # more than a pipe holds
    root = write_project(tmp_path / "p", {"pipes.py": PIPES["flowplan"] + body})
    flow_exe = Path(sys.executable).parent / "flow"
    done = subprocess.run(f"'{flow_exe}' check --no-cache . | head -1", shell=True, cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert re.match(r"pipes\.py:\d+:\d+: FP", done.stdout), done.stdout
    assert done.stderr == ""
    reader_gone = subprocess.Popen([str(flow_exe), "check", "--no-cache", "."], cwd=root,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader_gone.stdout is not None and reader_gone.stderr is not None
    reader_gone.stdout.close()  # nobody reads: the first write fails with EPIPE
    err = reader_gone.stderr.read().decode()
    assert reader_gone.wait(timeout=300) in (0, 1)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception" not in err


def test_paths_named_explicitly_are_checked_where_exclude_matches(tmp_path: Path) -> None:
    settings = '[tool.flowplan]\nexclude = ["generated", "legacy/*.py"]\n'
    root = write_project(tmp_path / "p", {
        "pyproject.toml": settings, "pipes.py": PIPES["flowplan"] + BAD.replace("nope=1", ""),
        "generated/bad.py": PIPES["zenml"] + BAD, "legacy/old.py": PIPES["flowplan"] + BAD,
    })
    status, out, _ = flow("check", "--no-cache", "--select", "FP208", str(root))
    assert status == 0 and "(1 file checked)" in out  # folders walked: exclude applies
    for named in ("generated/bad.py", "generated", "legacy/old.py"):
        status, out, _ = flow("check", "--no-cache", "--select", "FP208", str(root / named))
        assert status == 1, (named, out)
        assert "FP208 step `load` has no input `nope`" in out
        assert "1 file checked)" in out
