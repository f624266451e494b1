"""The `flow` command: compile, run, runs list/show/logs, and diagnostics instead of tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from flowplan.cli import main
from flowplan.compiler.plan import Plan
from tests.conftest import FIXTURES, ROOT

QUICKSTART = str(ROOT / "examples" / "quickstart.py") + ":training_pipeline"
BASICS = str(FIXTURES / "seeds" / "basics.py")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_compile_prints_the_plan() -> None:
    code, out, _ = invoke("compile", QUICKSTART)
    assert code == 0
    assert "split: split(dataset=load_data.dataset) -> train, test" in out
    assert "pick_best(accuracies=[evaluate.output, evaluate_2.output, evaluate_3.output])" in out


def test_compile_json_with_parameters_round_trips() -> None:
    code, out, _ = invoke("compile", QUICKSTART, "-p", "learning_rates=[0.5]", "--json")
    assert code == 0
    plan = Plan.from_json(out)
    assert plan.parameters == {"learning_rates": [0.5]}
    assert plan.ids() == ["load_data", "split", "train_perceptron", "evaluate", "pick_best"]


def test_compile_reports_diagnostics_not_tracebacks() -> None:
    code, _, err = invoke("compile", f"{BASICS}:my_pipeline", "-p", "nope=1")
    assert code == 1
    assert "FP213" in err and "Traceback" not in err
    code, _, err = invoke("compile", f"{BASICS}:missing")
    assert code == 1 and "FP009" in err
    code, _, err = invoke("compile", "no/such/file.py:pipe")
    assert code == 1 and "FP009" in err


def test_run_then_inspect_runs() -> None:
    code, out, _ = invoke("run", f"{BASICS}:simple_ml_pipeline", "--run-name", "first_{date}",
                          "--json")
    assert code == 0, out
    run_name = json.loads(out)["name"]
    assert run_name.startswith("first_")
    code, out, _ = invoke("runs", "list")
    assert code == 0 and run_name in out and "completed" in out
    code, out, _ = invoke("runs", "show", run_name)
    assert code == 0
    assert "load_data" in out and "output=dict" in out
    code, out, _ = invoke("runs", "show", run_name, "--json")
    assert code == 0 and json.loads(out)["steps"][0]["outputs"]["output"][0]["data_type"]
    code, out, _ = invoke("runs", "logs", run_name, "train_model")
    assert code == 0 and "Feature sum is 21" in out
    code, _, err = invoke("runs", "logs", run_name, "nope")
    assert code == 2 and "load_data" in err
    code, _, err = invoke("runs", "show", "no-such-run")
    assert code == 1 and "FP509" in err


def test_run_with_a_failing_step_exits_1(tmp_path: Path) -> None:
    script = tmp_path / "failing.py"
    script.write_text(
        "from flowplan import pipeline, step\n\n"
        "@step\ndef boom() -> int:\n    raise RuntimeError('nope')\n\n"
        "@pipeline\ndef pipe() -> None:\n    boom()\n"
    )
    code, _, err = invoke("run", f"{script}:pipe")  # quiet (FLOWPLAN_QUIET): the diagnostic
    assert code == 1
    assert "FP502" in err and "RuntimeError: nope" in err
    assert re.search(r"help: see the logs with: flow runs logs pipe-\S+ boom\n", err)


def test_run_parameters_are_json_or_strings() -> None:
    code, out, _ = invoke("run", f"{BASICS}:my_pipeline", "-p", "environment=prod")
    assert code == 0, out
    code, out, _ = invoke("runs", "list", "--pipeline", "my_pipeline", "--status", "completed")
    assert code == 0 and "my_pipeline" in out
    payload = json.dumps({"a": 1})
    code, _, err = invoke("run", f"{BASICS}:my_pipeline", "-p", f"environment={payload}")
    assert code == 1 and "FP306" in err


def test_runs_list_limit_below_one_is_a_usage_error() -> None:
    for bad in ("0", "-5"):
        code, out, err = invoke("runs", "list", "--limit", bad)
        assert code == 2 and out == ""
        assert "--limit" in err and "Traceback" not in err
    code, _, _ = invoke("runs", "list", "--limit", "1")
    assert code == 0
