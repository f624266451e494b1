"""Helpers shared by the benchmark scripts: timing, medians, isolated stores."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def isolate() -> Path:
    """Point flowplan's store and cache at a fresh temporary folder."""
    root = Path(tempfile.mkdtemp(prefix="flowplan-bench-"))
    os.environ["FLOWPLAN_HOME"] = str(root / "home")
    os.environ["FLOWPLAN_CACHE_DIR"] = str(root / "cache")
    os.environ["FLOWPLAN_QUIET"] = "1"
    return root


def median_time(
    func: Callable[[], object], repeat: int = 5, before: Callable[[], object] | None = None
) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_times(func: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median wall time and median CPU time (this process, all its threads) of ``func``.

    On a loaded machine the CPU time is the steadier figure: it leaves out the time other
    processes hold the CPUs."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def compile_bytecode() -> str:
    """Write the bytecode of flowplan's modules, as the first import does where
    ``PYTHONDONTWRITEBYTECODE`` is unset, so that a new process's figure measures flowplan
    rather than Python compiling its sources again (as every start does where bytecode is
    never written).  Returns a line saying so, for the benchmark's output."""
    import compileall

    import flowplan

    compileall.compile_dir(Path(flowplan.__file__).parent, quiet=1)
    return "bytecode: flowplan's modules compiled before timing (as after a first import)"
