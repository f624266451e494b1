"""`flow ui` as a command: an optional extra with its own diagnostics."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import socket
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from flowplan.cli import main


def test_without_the_extra_flow_ui_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in ("starlette", "uvicorn") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = CliRunner().invoke(main, ["ui"])
    assert result.exit_code == 1
    assert "FP570" in result.output and "starlette, uvicorn, which are not installed" in result.output
    assert "pip install 'flowplan[ui]'" in result.output


def test_a_taken_port_is_a_diagnostic() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["ui", "--port", str(port)])
    assert result.exit_code == 1
    assert f"FP571 `flow ui` cannot listen on 127.0.0.1:{port}" in result.output
    assert "--port 0" in result.output


def test_the_base_install_gains_no_dependency() -> None:
    requires = importlib.metadata.requires("flowplan") or []
    base = " ".join(r for r in requires if "extra ==" not in r).lower()
    for package in ("starlette", "uvicorn", "jinja2", "playwright"):
        assert package not in base
    ui = {r.split(">")[0] for r in requires if r.replace("'", '"').endswith('extra == "ui"')}
    assert ui == {"starlette", "uvicorn", "jinja2"}
    code = "import sys, flowplan.cli; print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=os.environ, check=True).stdout
    assert out.strip() == "[]"
