"""The inspection commands against a real store: run references (name, id prefix, latest,
latest~N), runs show with cache provenance, logs of a cached step, DAGs, artifacts, and
deleting runs and collecting exactly the artifacts no run references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowplan.cli import main
from flowplan.client import Client

PIPELINE = """
import sys
from flowplan import pipeline, step

@step
def make(base: int) -> int:
    print(f"making {base}")
    print("made it", file=sys.stderr)
    return base

@step
def double(x: int) -> int:
    print(f"doubling {x}")
    return 2 * x

@pipeline
def numbers(base: int = 1) -> None:
    double(make(base))
"""


def flow(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def flow_json(*args: str) -> object:
    code, out, err = flow(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def runs(tmp_path: Path) -> tuple[str, dict[str, str]]:
    script = tmp_path / "counting.py"
    script.write_text(PIPELINE)
    (tmp_path / "run.yaml").write_text("parameters:\n  base: 5\n")
    target = f"{script}:numbers"
    ids = {}
    for name, extra in (("first", []), ("second", []),
                        ("third", ["--config", str(tmp_path / "run.yaml")])):
        code, out, err = flow("run", target, "--run-name", name, "--json", *extra)
        assert code == 0, err
        ids[name] = json.loads(out)["id"]
    return target, ids


def test_run_references_and_listing(runs: tuple[str, dict[str, str]]) -> None:
    _, ids = runs
    code, out, _ = flow("runs")
    assert code == 0 and all(name in out for name in ids)
    listed = flow_json("runs", "list")
    assert [r["name"] for r in listed] == ["third", "second", "first"]  # type: ignore[index]
    for reference, name in (("latest", "third"), ("latest~1", "second"), ("latest~2", "first"),
                            (ids["second"][:8], "second"), (ids["first"], "first"),
                            ("first", "first")):
        assert flow_json("runs", "show", reference)["name"] == name  # type: ignore[index]
    code, _, err = flow("runs", "show", "latest~9")
    assert code == 1 and "FP509" in err


def test_runs_show_tells_parameters_provenance_attempts_and_orchestrator(
    runs: tuple[str, dict[str, str]],
) -> None:
    shown = flow_json("runs", "show", "second")
    assert isinstance(shown, dict)
    assert shown["parameters"] == {"base": 1} and shown["orchestrator"]["flavor"] == "local"
    steps = {s["name"]: s for s in shown["steps"]}
    assert steps["make"]["status"] == "cached" and steps["make"]["parameters"] == {"base": 1}
    assert steps["make"]["cached_from"]["run"] == "first"
    assert steps["double"]["cached_from"]["run"] == "first"
    first = {s["name"]: s for s in flow_json("runs", "show", "first")["steps"]}  # type: ignore[index]
    assert first["make"]["cached_from"] is None and len(first["make"]["attempts"]) == 1
    assert first["make"]["duration"] is not None
    code, out, _ = flow("runs", "show", "second")
    assert code == 0 and "CACHED FROM" in out and "first (make)" in out
    assert '{"base": 1}' in out and "orchestrator: flavor=local" in out
    third = flow_json("runs", "show", "third")
    assert third["parameters"] == {"base": 5}  # type: ignore[index]  # from run.yaml


def test_logs_of_a_cached_step_are_the_original_ones(runs: tuple[str, dict[str, str]]) -> None:
    code, out, err = flow("runs", "logs", "second", "make")
    assert code == 0
    assert out == "making 1\n" and "made it" in err and "run first" in err


def test_dag_of_a_file_and_of_a_stored_run(runs: tuple[str, dict[str, str]]) -> None:
    target, _ = runs
    code, out, _ = flow("dag", target)
    assert code == 0
    assert out.splitlines() == ["pipeline numbers: 2 steps, 2 levels", "level 0", "  make",
                                "level 1", "  double  <- make.output -> x"]
    code, out, _ = flow("dag", target, "--format", "mermaid")
    assert out.startswith("flowchart TD\n") and 'n_make -->|"output -> x"| n_double' in out
    code, out, _ = flow("dag", target, "--format", "dot")
    assert '"make" -> "double" [label="output -> x"];' in out and out.rstrip().endswith("}")
    code, out, _ = flow("dag", "--run", "latest")
    assert code == 0 and "  make [completed]" in out
    assert flow("dag")[0] == 2


def test_artifacts_list_show_export(runs: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    listed = flow_json("artifacts", "list")
    assert isinstance(listed, list)
    names = sorted((a["name"], a["version"]) for a in listed)
    assert names == [("numbers::double::output", 1), ("numbers::double::output", 2),
                     ("numbers::make::output", 1), ("numbers::make::output", 2)]
    shown = flow_json("artifacts", "show", "numbers::double::output:2")
    assert shown["preview"] == "10" and shown["data_type"] == "int"  # type: ignore[index]
    by_id = flow_json("artifacts", "show", shown["id"])  # type: ignore[index]
    assert by_id["version"] == 2  # type: ignore[index]
    out_file = tmp_path / "value.json"
    code, _, _ = flow("artifacts", "export", "numbers::double::output:1", "-o", str(out_file))
    assert code == 0 and json.loads(out_file.read_text()) == 2
    raw = tmp_path / "raw.bin"
    code, _, _ = flow("artifacts", "export", "numbers::double::output:1", "-o", str(raw),
                      "--raw")
    assert code == 0 and raw.read_bytes() == Path(
        Client().get_artifact_version("numbers::double::output", 1).uri).read_bytes()


def test_delete_and_gc_free_exactly_the_unreferenced(runs: tuple[str, dict[str, str]]) -> None:
    store = Client().store
    dry = flow_json("runs", "delete", "third")
    assert dry["applied"] is False and len(dry["artifacts"]) == 2  # type: ignore[index]
    assert Client().get_pipeline_run("third")  # a dry run deletes nothing
    done = flow_json("runs", "delete", "third", "--yes")
    assert done["bytes"] > 0 and done["files"] == 2  # type: ignore[index]
    assert {a["version"] for a in done["artifacts"]} == {2}  # type: ignore[index]
    code, _, err = flow("runs", "show", "third")
    assert code == 1 and "FP509" in err
    # `first` produced what `second` reused: deleting it frees nothing yet
    assert flow_json("runs", "delete", "first", "--yes")["artifacts"] == []  # type: ignore[index]
    kept = Client().get_pipeline_run("second").steps["double"].output
    assert kept.load() == 2
    # an artifact no run links, and a temporary file left by a killed writer
    loose, _ = store.write_artifact("loose", [1, 2, 3], output_name="output",
                                    step_run_id=None)
    temp = store.home / "artifacts" / "00" / ".tmp-killed"
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(b"partial")
    dry = flow_json("gc")
    assert dry["artifacts"] == [{"name": "loose", "version": 1}]  # type: ignore[index]
    assert dry["temp_files"] == 1 and temp.exists()  # type: ignore[index]
    code, out, _ = flow("gc", "--yes")
    assert code == 0 and "freed 1 unreferenced artifact version(s)" in out
    assert not temp.exists() and not Path(loose.uri).exists()
    left = sorted((a.name, a.version) for a in store.metadata.list_artifact_versions())
    assert left == [("numbers::double::output", 1), ("numbers::make::output", 1)]
    assert Client().get_pipeline_run("second").steps["double"].output.load() == 2
    assert flow_json("gc")["artifacts"] == []  # type: ignore[index]
