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

codes = dataclass_code._codes
print(json.dumps({
    "new": sorted(dataclass_code._changed),
    "stored": sum(len(group) for group in codes.values()),
    "mine": "__main__" in codes or any("Mine" in t for g in codes.values() for t in g),
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
    assert "flowplan.compiler.plan" in first["new"]  # compiled, written at exit
    assert first["stored"] > 50
    (file,) = (tmp_path / "dataclasses").iterdir()
    assert file.stat().st_mode & 0o022 == 0  # writable by this user only
    second = probe(tmp_path)
    assert second["new"] == [] and second["stored"] == first["stored"]
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

        file.write_bytes(marshal.dumps({"flowplan.compiler.plan": b"\x00", "x": 1}))
    again = probe(tmp_path)
    assert again["new"] and again["equal"] is True  # compiled afresh
    assert probe(tmp_path)["new"] == []  # and stored again


def test_stored_code_makes_the_same_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """A class made with code read back behaves as one made by the builtin ``exec``."""
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(dataclass_code, "_groups", None)
    monkeypatch.setattr(dataclass_code, "_codes", {})
    monkeypatch.setattr(dataclass_code, "_used", {})
    monkeypatch.setattr(dataclass_code, "_changed", set())
    module = types.ModuleType("flowplan.probe")  # a module of flowplan's, as far as it goes
    monkeypatch.setitem(sys.modules, module.__name__, module)

    def make() -> type:
        exec("import dataclasses\n"
             "@dataclasses.dataclass(frozen=True)\n"
             "class Point:\n    x: int\n    y: int = 2\n", vars(module))
        return module.Point  # type: ignore[no-any-return]

    fresh = make()
    assert dataclass_code._changed == {"flowplan.probe"}
    dataclass_code._write()
    monkeypatch.setattr(dataclass_code, "_groups", None)
    monkeypatch.setattr(dataclass_code, "_codes", {})
    stored = make()
    assert not dataclass_code._changed  # every method came from the file
    for cls in (fresh, stored):
        assert cls(1) == cls(1, 2) and hash(cls(1)) == hash(cls(1, 2))
        assert repr(cls(1)) == "Point(x=1, y=2)"
        with pytest.raises(dataclasses.FrozenInstanceError):
            cls(1).x = 3  # type: ignore[misc]
    assert json.dumps(dataclasses.asdict(stored(5))) == '{"x": 5, "y": 2}'


def test_an_edited_class_replaces_its_module_s_code(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A module whose classes changed gets exactly the code it uses now: nothing piles up."""
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path))
    module = types.ModuleType("flowplan.probe")
    monkeypatch.setitem(sys.modules, module.__name__, module)

    def process(fields: str) -> int:
        for name, value in [("_groups", None), ("_codes", {}), ("_used", {}), ("_changed", set())]:
            monkeypatch.setattr(dataclass_code, name, value)
        exec(f"import dataclasses\n@dataclasses.dataclass\nclass Point:\n{fields}", vars(module))
        dataclass_code._write()
        groups = dataclass_code._read(dataclass_code._file())
        return len(dataclass_code._unpack(groups["flowplan.probe"]))

    first = process("    x: int\n")
    assert process("    x: int\n    y: int = 0\n") == first  # replaced, not added to
