"""flowplan's dataclasses get their methods from code compiled by an earlier process."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from flowplan import dataclass_code

PROBE = """
import dataclasses, json, sys
import flowplan.executor.run, flowplan.store.local
from flowplan import dataclass_code
from flowplan.compiler.plan import SourceLocation

@dataclasses.dataclass
class Mine:  # a user's class: never stored
    x: int = 0

print(json.dumps({
    "new": dataclass_code._new,
    "stored": len(dataclass_code._codes or {}),
    "mine": any("Mine" in text or "x=0" in text for text in dataclass_code._codes or {}),
    "equal": SourceLocation(path="a", line=1) == SourceLocation(path="a", line=1),
    "repr": repr(SourceLocation(path="a", line=1)),
    "user": repr(Mine(2)),
}))
"""


def probe(cache: Path) -> dict[str, object]:
    env = {**os.environ, "FLOWPLAN_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_the_second_process_compiles_no_dataclass_method(tmp_path: Path) -> None:
    first = probe(tmp_path)
    assert first["new"] is True and first["stored"] > 50  # compiled, written at exit
    (file,) = (tmp_path / "dataclasses").iterdir()
    assert file.stat().st_mode & 0o022 == 0  # writable by this user only
    second = probe(tmp_path)
    assert second["new"] is False and second["stored"] == first["stored"]
    for result in (first, second):
        assert result["mine"] is False
        assert result["equal"] is True
        assert result["repr"] == "SourceLocation(path='a', line=1, column=None)"
        assert result["user"] == "Mine(x=2)"


@pytest.mark.parametrize("damage", ["garbage", "world-writable", "not-a-dict"])
def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    probe(tmp_path)
    (file,) = (tmp_path / "dataclasses").iterdir()
    if damage == "garbage":
        file.write_bytes(b"\xff" * 40)
    elif damage == "world-writable":
        file.chmod(0o666)
    else:
        import marshal

        file.write_bytes(marshal.dumps([1, 2, 3]))
    again = probe(tmp_path)
    assert again["new"] is True and again["equal"] is True  # compiled afresh
    assert probe(tmp_path)["new"] is False  # and stored again


def test_stored_code_makes_the_same_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """A class made with code read back behaves as one made by the builtin ``exec``."""
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(dataclass_code, "_codes", None)
    monkeypatch.setattr(dataclass_code, "_used", set())
    monkeypatch.setattr(dataclass_code, "_new", False)
    module = types.ModuleType("flowplan.probe")  # a module of flowplan's, as far as it goes
    monkeypatch.setitem(sys.modules, module.__name__, module)

    def make() -> type:
        exec("import dataclasses\n"
             "@dataclasses.dataclass(frozen=True)\n"
             "class Point:\n    x: int\n    y: int = 2\n", vars(module))
        return module.Point  # type: ignore[no-any-return]

    fresh = make()
    assert dataclass_code._new
    dataclass_code._write()
    monkeypatch.setattr(dataclass_code, "_codes", None)
    stored = make()
    assert not dataclass_code._new  # every method came from the file
    for cls in (fresh, stored):
        assert cls(1) == cls(1, 2) and hash(cls(1)) == hash(cls(1, 2))
        assert repr(cls(1)) == "Point(x=1, y=2)"
        with pytest.raises(dataclasses.FrozenInstanceError):
            cls(1).x = 3  # type: ignore[misc]
    assert json.dumps(dataclasses.asdict(stored(5))) == '{"x": 5, "y": 2}'
