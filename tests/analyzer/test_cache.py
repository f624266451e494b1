"""The on-disk analysis cache: warm runs skip libcst, bad entries never crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from flowplan.analyzer import analysis_cache
from flowplan.analyzer import analyze as analyze_module
from flowplan.analyzer.analyze import analyze_function

Loader = Callable[..., ModuleType]

SOURCE = """\
from typing import Tuple

def divide(a: int, b: int) -> Tuple[int, int]:
    return a // b, a % b
"""

PROBE = """\
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("probe_steps", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from flowplan.analyzer.analyze import analyze_function
sig = analyze_function(module.divide)
print(json.dumps({"outputs": list(sig.output_names), "libcst": "libcst" in sys.modules}))
"""


def run_probe(steps: Path, cache_dir: Path) -> dict[str, object]:
    env = {**os.environ, "FLOWPLAN_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(steps)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_warm_cache_does_not_import_libcst(tmp_path: Path, cache_dir: Path) -> None:
    steps = tmp_path / "probe_steps.py"
    steps.write_text(SOURCE)
    cold = run_probe(steps, cache_dir)
    assert cold == {"outputs": ["output_0", "output_1"], "libcst": True}
    warm = run_probe(steps, cache_dir)
    assert warm == {"outputs": ["output_0", "output_1"], "libcst": False}
    steps.write_text(SOURCE + "\n# edited\n")
    assert run_probe(steps, cache_dir)["libcst"] is True


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "analysis").glob("*.json"))


def test_entries_are_written_and_reused(load_module: Loader, cache_dir: Path) -> None:
    mod = load_module(SOURCE)
    first = analyze_function(mod.divide)
    (entry,) = entries(cache_dir)
    assert json.loads(entry.read_text())["format"] == analysis_cache.ANALYZER_VERSION
    analysis_cache.forget_all()
    assert analyze_function(mod.divide) == first
    assert not list((cache_dir / "analysis").glob(".tmp-*"))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "{not json",
        "[]",
        '{"format": "1"}',
        '{"format": "0", "analysis": {}}',
        '{"format": "1", "analysis": {"path": 3}}',
    ],
)
def test_corrupt_entries_are_ignored_and_rewritten(
    load_module: Loader, cache_dir: Path, garbage: str
) -> None:
    mod = load_module(SOURCE)
    expected = analyze_function(mod.divide)
    (entry,) = entries(cache_dir)
    entry.write_text(garbage)
    analysis_cache.forget_all()
    assert analyze_function(mod.divide) == expected
    assert json.loads(entry.read_text())["format"] == analysis_cache.ANALYZER_VERSION


def test_an_unwritable_cache_is_not_fatal(
    load_module: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(blocker))
    mod = load_module(SOURCE)
    assert analyze_function(mod.divide).multi_output


def test_one_read_per_file_in_a_process(
    load_module: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = load_module(SOURCE + "\ndef other(x: int) -> int:\n    return x\n")
    reads: list[str] = []
    original = analyze_module._analysis_of_bytes

    def counting(filename: str, data: bytes) -> object:
        reads.append(filename)
        return original(filename, data)

    monkeypatch.setattr(analyze_module, "_analysis_of_bytes", counting)
    analyze_function(mod.divide)
    analyze_function(mod.other)
    analyze_function(mod.divide)
    assert reads == [mod.__file__]


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWPLAN_CACHE_DIR", str(tmp_path / "explicit"))
    assert analysis_cache.cache_dir() == tmp_path / "explicit" / "analysis"
    monkeypatch.delenv("FLOWPLAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert analysis_cache.cache_dir() == tmp_path / "xdg" / "flowplan" / "analysis"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert analysis_cache.cache_dir() == tmp_path / "home" / ".cache" / "flowplan" / "analysis"


def test_keys_depend_on_content_and_path() -> None:
    key = analysis_cache.entry_key("a.py", b"x = 1\n")
    assert key == analysis_cache.entry_key("a.py", b"x = 1\n")
    assert key != analysis_cache.entry_key("a.py", b"x = 2\n")
    assert key != analysis_cache.entry_key("b.py", b"x = 1\n")


def test_linecache_sources_are_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notebook cells: the file does not exist, but linecache knows its text."""
    import linecache

    source = textwrap.dedent(SOURCE)
    name = "/nonexistent/ipykernel_1/cell.py"
    monkeypatch.setitem(linecache.cache, name, (len(source), None, source.splitlines(True), name))
    namespace: dict[str, object] = {}
    exec(compile(source, name, "exec"), namespace)
    sig = analyze_function(namespace["divide"])  # type: ignore[arg-type]
    assert sig.source_available and sig.multi_output
