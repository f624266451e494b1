from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowplan.store.local import LocalStore


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("FLOWPLAN_HOME", str(folder))
    return folder


@pytest.fixture
def store(home: Path) -> Iterator[LocalStore]:
    opened = LocalStore.open()
    yield opened
    opened.close()
