"""Shared fixtures: every test gets its own flowplan home and cache folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "flowplan-home"
    monkeypatch.setenv("FLOWPLAN_HOME", str(home))
    monkeypatch.setenv("FLOWPLAN_QUIET", "1")
    if "FLOWPLAN_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path / "cache"))
    return home


def load_fixture(relative: str) -> Any:
    from flowplan.loader import load_module

    return load_module(str(FIXTURES / relative))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/golden/) from the current output instead of comparing",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (``pytest --update-goldens``)."""
    return bool(request.config.getoption("--update-goldens"))
