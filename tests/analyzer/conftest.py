"""Shared fixtures: an isolated analysis cache, and modules imported from files."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from flowplan.analyzer import analysis_cache


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own cache folder and an empty in-process memo."""
    folder = tmp_path / "flowplan-cache"
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", raising=False)
    monkeypatch.delenv("ZENML_ENFORCE_TYPE_ANNOTATIONS", raising=False)
    analysis_cache.forget_all()
    yield folder
    analysis_cache.forget_all()


@pytest.fixture
def load_module(tmp_path: Path) -> Iterator[Callable[[str, str], ModuleType]]:
    """Write ``source`` to ``tmp_path/<name>.py`` and import it by path."""
    names: list[str] = []

    def load(source: str, name: str = "user_steps") -> ModuleType:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        sys.modules.pop(name, None)
