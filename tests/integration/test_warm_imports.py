"""A warm run of an unchanged pipeline imports neither libcst, networkx, pydantic nor rich
(whose live view is for terminals only), nor what only stopping a step, pickling a value,
creating a store, waiting for a busy database, comparing types, loading a file by name or
reporting where it failed needs -- nor OpenSSL, for the small digests a run makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = '''
import sys
from flowplan import pipeline, step

@step
def one() -> int:
    return 1

@step
def two(x: int) -> int:
    return x + 1

@pipeline
def pipe() -> None:
    two(one())

from flowplan.compiler.runtime import current_runtime

current_runtime()  # loads what a run imports, with the collector paused
loaded = set(sys.modules)
pipe()
print("LATE", sorted(m for m in set(sys.modules) - loaded if m.startswith("flowplan")))
print("HEAVY", sorted(m for m in ("libcst", "networkx", "pydantic", "rich") if m in sys.modules))
DEFERRED = ("ctypes", "pickle", "cloudpickle", "secrets", "random", "typing_extensions",
            "traceback", "textwrap", "importlib.util", "hmac", "hashlib", "_hashlib", "numbers",
            "flowplan.store.file_watch", "termios", "fcntl", "flowplan.callsite",
            "flowplan.executor.hook_calls", "flowplan.analyzer.fallback",
            "flowplan.store.durable_files", *(f"flowplan.messages.{m}" for m in (
                "definitions", "files", "internal", "lint", "runtime", "settings", "store",
                "wiring")))
print("DEFERRED", sorted(m for m in DEFERRED if m in sys.modules))
'''


@pytest.mark.slow
@pytest.mark.parametrize("project", ["none", "configured"])
def test_second_process_skips_libcst_networkx_and_pydantic(tmp_path: Path, project: str) -> None:
    if project == "configured":  # [tool.flowplan] is read on every run
        (tmp_path / "pyproject.toml").write_text(
            '[tool.flowplan]\nenforce-type-annotations = true\nexclude = ["build"]\n'
        )
    (tmp_path / "pipe.py").write_text(SCRIPT)
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / "home"),
           "FLOWPLAN_CACHE_DIR": str(tmp_path / "cache")}

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "pipe.py"], cwd=tmp_path, env=env, text=True,
                             capture_output=True, timeout=60, check=True).stdout
        return [line for line in out.splitlines() if line.startswith(("HEAVY", "DEFERRED", "LATE"))]

    assert run()[1].startswith("HEAVY ['libcst', 'networkx'")  # the cold run analyses
    assert run() == ["LATE []", "HEAVY []", "DEFERRED []"]


def test_import_flowplan_loads_only_what_defining_steps_needs() -> None:
    """``import flowplan`` (25 ms is a promise of the README) defers everything a run, a store
    or a check needs; ``typing_extensions`` is for type checkers only."""
    deferred = ("typing_extensions", "difflib", "libcst", "networkx", "pydantic", "rich", "sqlite3",
                "pickle", "yaml", "click", "socket", "subprocess", "asyncio", "uuid")
    code = f"import sys, flowplan; print([m for m in {deferred!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "[]"


def test_import_flowplan_runs_with_the_collector_paused_and_leaves_it_as_it_was() -> None:
    """Importing makes only long-lived objects: the collector waits until it is done."""
    code = (
        "import gc, sys\n"
        "seen = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('flowplan.'):\n"
        "            seen.append(gc.isenabled())\n"
        "sys.meta_path.insert(0, Spy())\n"
        "import flowplan\n"
        "print(len(seen) > 10, any(seen), gc.isenabled())\n"
        "seen.clear()\n"
        "from flowplan.compiler.runtime import current_runtime\n"
        "current_runtime()  # what the first run loads\n"
        "print(len(seen) > 10, any(seen), gc.isenabled())\n"
        "gc.disable()\n"
        "for name in [m for m in sys.modules if m.startswith('flowplan')]:\n"
        "    del sys.modules[name]\n"
        "import flowplan\n"
        "print(gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split("\n")[:3] == ["True False True", "True False True", "False"]


def test_what_import_flowplan_loads_joins_the_oldest_generation_unwalked() -> None:
    """After the paused imports, the young generations hold what the program made since, not
    the thousands of objects just imported (which the first young collections would walk);
    objects frozen before stay frozen."""
    code = (
        "import gc\n"
        "gc.collect()\n"
        "import flowplan\n"
        "young = len(gc.get_objects(0)) + len(gc.get_objects(1))\n"
        "flowplan._local_runtime()\n"
        "young_after_run_imports = len(gc.get_objects(0)) + len(gc.get_objects(1))\n"
        "print(young < 500, young_after_run_imports < 500, gc.get_freeze_count(), gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.split() == ["True", "True", "0", "True"]
    frozen = "import gc\ngc.freeze()\nn = gc.get_freeze_count()\nimport flowplan\n" \
        "print(gc.get_freeze_count() > n // 2 > 0)\n"
    out = subprocess.run([sys.executable, "-c", frozen], text=True, capture_output=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "True"
