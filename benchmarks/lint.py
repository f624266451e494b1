"""`flow check` throughput on a generated corpus, against the physical limit.

Run: python benchmarks/lint.py [--files 300] [--jobs N]

The corpus: N pipeline files (steps with realistic bodies, pipelines with fan-out loops,
branches on parameters, composed pipelines, a shared steps module) and N unrelated Python
files.  Measured in one run, each with the same number of worker processes:

- limit: bare ``libcst.parse_module`` over the pipeline files (one parse per file is the
  least any libcst-based checker does);
- cold: ``check_paths`` over the whole corpus with an empty result cache;
- warm: ``flow check`` (a new process) with every result cached;
- one file: ``flow check --no-cache`` on one pipeline file (a new process);
- memory: the peak resident memory of ``flow check --no-cache`` over a project of
  ``--memory-files`` files (half pipeline modules, half unrelated), summed over the whole
  process tree (parent and workers, sampled from /proc);
- many steps: ``flow check --no-cache`` on one file defining 2,000 / 8,000 / 20,000 steps
  (and pipelines calling them), to show that time grows linearly with the number of steps.

Every new process runs with flowplan's bytecode already written (where
``PYTHONDONTWRITEBYTECODE`` is set, each start would otherwise compile flowplan's sources
anew: a cost of that setting, not of flowplan).

Targets: cold >= 70% of the limit's throughput, warm <= 0.5 s, one file <= 0.6 s, memory
< 500 MB over 10,000 files, 20,000 steps < 3 s with time per step flat.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import compile_bytecode, isolate, median_time

STEP_BODIES = [
    """    rows = [[i, i * 2] for i in range({n})]
    labels = [i % 2 for i in range({n})]
    return {{"features": rows, "labels": labels, "source": source}}""",
    """    total = 0.0
    for row in rows:
        for value in row:
            total += value * {n} / (1 + abs(value))
    return total""",
    """    out = []
    for row in rows:
        scaled = [value / max(scale, 1e-9) for value in row]
        out.append(scaled)
    return out""",
    """    if not rows:
        return 0.0
    errors = [abs(sum(row) * model - {n}) for row in rows]
    return sum(errors) / len(errors)""",
]
STEP_SIGNATURES = [
    ("load_{k}", "source: str, limit: int = {n}", "dict", 0),
    ("score_{k}", "rows: list", "float", 1),
    ("normalise_{k}", "rows: list, scale: float = 1.0", "list", 2),
    ("evaluate_{k}", "model: float, rows: list", "float", 3),
]


def pipeline_file(index: int, rng: random.Random) -> str:
    lines = [f'"""Generated pipeline module {index}."""', "", "from typing import Annotated, Tuple",
             "", "from flowplan import pipeline, step", "from steps_common import prepare", ""]
    names = []
    for k in range(rng.randint(3, 6)):
        name, params, returns, body = rng.choice(STEP_SIGNATURES)
        name = name.format(k=k)
        n = rng.randint(10, 99)
        lines += ["", "@step", f"def {name}({params.format(n=n)}) -> {returns}:",
                  f'    """Step {k} of module {index}."""',
                  STEP_BODIES[body].format(n=n), ""]
        names.append((name, params))
    lines += ["", "@step", "def split(data: dict) -> Tuple[Annotated[list, \"train\"], "
              "Annotated[list, \"test\"]]:", "    rows = data[\"features\"]",
              "    cut = len(rows) * 8 // 10", "    return rows[:cut], rows[cut:]", ""]
    lines += ["", "@step", "def report(scores: list) -> None:", "    print(min(scores))", ""]
    fan = rng.randint(2, 6)
    lines += ["", "@pipeline", f"def training_{index}(source: str = \"data.csv\", "
              "full: bool = False) -> None:",
              "    data = prepare(source)", "    train, test = split(data)", "    scores = []",
              f"    for i in range({fan}):", "        rows = normalise_data(train, i)",
              "        scores.append(evaluate_step(rows, test, i))",
              "    if full:", "        report(scores, id=\"full_report\")", "    else:",
              "        report(scores[:1], id=\"full_report\")", ""]
    lines += ["", "def normalise_data(rows, i):",
              "    return normalise(rows, scale=1.0 + i, id=f\"normalise_{i}\")", "", "",
              "def evaluate_step(rows, test, i):",
              "    return score(rows, id=f\"score_{i}\")", ""]
    lines += ["", "@step", "def normalise(rows: list, scale: float = 1.0) -> list:",
              "    return [[v / scale for v in row] for row in rows]", "",
              "", "@step", "def score(rows: list) -> float:",
              "    return float(sum(sum(row) for row in rows))", ""]
    return "\n".join(lines) + "\n"


def unrelated_file(index: int, rng: random.Random) -> str:
    funcs = []
    for k in range(rng.randint(4, 9)):
        funcs.append(f"""
def helper_{k}(values, factor={rng.randint(1, 9)}):
    \"\"\"Helper {k} of utility module {index}.\"\"\"
    result = []
    for value in values:
        if value % {rng.randint(2, 5)} == 0:
            result.append(value * factor)
        else:
            result.append(value - factor)
    return sorted(result)
""")
    header = f'"""Utility module {index}, unrelated to pipelines."""\n\nimport math\n'
    return header + "".join(funcs)


def make_corpus(root: Path, count: int) -> list[Path]:
    rng = random.Random(20261122)
    (root / "pyproject.toml").write_text("[project]\nname = 'corpus'\n")
    (root / "steps_common.py").write_text(
        "from flowplan import step\n\n\n@step\ndef prepare(source: str) -> dict:\n"
        "    return {\"features\": [[1, 2], [3, 4]], \"source\": source}\n"
    )
    pipelines = [root / "steps_common.py"]
    for i in range(count):
        folder = root / f"pkg_{i % 10}"
        folder.mkdir(exist_ok=True)
        path = folder / f"pipeline_{i}.py"
        path.write_text(pipeline_file(i, rng))
        pipelines.append(path)
        (folder / f"util_{i}.py").write_text(unrelated_file(i, rng))
    return pipelines


def _parse(paths: list[str]) -> int:
    import libcst

    for path in paths:
        libcst.parse_module(Path(path).read_bytes())
    return len(paths)


def parse_limit(files: list[Path], jobs: int) -> float:
    import libcst  # noqa: F401 -- imported before forking, like the checker's modules

    ordered = sorted((str(f) for f in files), key=lambda p: -Path(p).stat().st_size)
    chunks = [ordered[i::jobs * 4] for i in range(jobs * 4)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
        sum(pool.map(_parse, [c for c in chunks if c]))
    return time.perf_counter() - start


def cold_check(root: Path, jobs: int) -> tuple[float, int]:
    import flowplan.lint.checker  # noqa: F401 -- imports are not part of throughput
    from flowplan.lint.config import load_config
    from flowplan.lint.registry import all_rules
    from flowplan.lint.runner import check_paths

    all_rules()
    config = load_config(root)
    start = time.perf_counter()
    report = check_paths([str(root)], config, use_cache=True, jobs=jobs)
    return time.perf_counter() - start, len(report.diagnostics)


def cold_check_with_libcst(root: Path, jobs: int) -> float:
    """The same cold check with every step signature read by the analyzer (libcst), as for
    files whose signatures the ast cannot decide for sure -- the worst case."""
    import os

    import libcst  # noqa: F401 -- imported before forking

    from flowplan.analyzer import ast_signatures

    cache = os.environ["FLOWPLAN_CACHE_DIR"]
    os.environ["FLOWPLAN_CACHE_DIR"] = cache + "-libcst"  # cold again
    original = ast_signatures.quick_signature
    ast_signatures.quick_signature = lambda *args: None  # type: ignore[assignment]
    try:
        return cold_check(root, jobs)[0]
    finally:
        ast_signatures.quick_signature = original
        os.environ["FLOWPLAN_CACHE_DIR"] = cache


def process_time(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "flow"), *args], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _tree_rss(root: int) -> int:
    """Summed resident memory (bytes) of ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            parent = int(stat[stat.rfind(b")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return total * os.sysconf("SC_PAGE_SIZE")


def peak_tree_memory(args: list[str]) -> tuple[float, int]:
    """(seconds, peak summed RSS in bytes) of ``flow ARGS`` in a new process."""
    flow = str(Path(sys.executable).parent / "flow")
    start = time.perf_counter()
    proc = subprocess.Popen([flow, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    return time.perf_counter() - start, peak


def many_steps_file(path: Path, steps: int) -> None:
    """One module with ``steps`` steps and one pipeline per 100 of them, chained."""
    lines = ["from flowplan import pipeline, step", ""]
    for k in range(steps):
        lines += ["@step", f"def step_{k}(value: int = {k}) -> int:", "    return value + 1", ""]
    for start in range(0, steps, 100):
        lines += ["@pipeline", f"def chain_{start}() -> None:", f"    out = step_{start}()"]
        lines += [f"    out = step_{k}(out)" for k in range(start + 1, min(start + 100, steps))]
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def many_steps(base: Path) -> None:
    times = {}
    for steps in (2_000, 8_000, 20_000):
        path = base / f"steps_{steps}.py"
        many_steps_file(path, steps)
        times[steps] = median_time(
            lambda path=path: subprocess.run(  # type: ignore[misc]
                [str(Path(sys.executable).parent / "flow"), "check", "--no-cache", str(path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False),
            repeat=3)
        print(f"one file, {steps:>6,} steps:         {times[steps]:.3f} s "
              f"({times[steps] / steps * 1e6:.0f} us per step)")
    growth = (times[20_000] / 20_000) / (times[2_000] / 2_000)
    print(f"  time per step, 20,000 vs 2,000:  x{growth:.2f} (linear: about 1; "
          "target: 20,000 steps < 3 s)")
    # The same check in one process (a large file is otherwise split between the cores)
    path = base / "steps_20000.py"
    alone = median_time(
        lambda: subprocess.run(
            [str(Path(sys.executable).parent / "flow"), "check", "--no-cache", "--jobs", "1",
             str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False),
        repeat=3)
    print(f"one file, 20,000 steps, --jobs 1: {alone:.3f} s "
          f"(split between processes: x{alone / times[20_000]:.2f} faster)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--memory-files", type=int, default=10_000,
                        help="files of the memory measurement (0: skip it)")
    parser.add_argument("--skip-steps", action="store_true", help="skip the many-steps files")
    options = parser.parse_args()
    from flowplan.lint.runner import default_jobs

    jobs = options.jobs or default_jobs()
    print(compile_bytecode())
    base = isolate()
    root = base / "corpus"
    root.mkdir()
    pipelines = make_corpus(root, options.files)
    lines = sum(len(p.read_text().splitlines()) for p in pipelines)
    print(f"corpus: {len(pipelines)} pipeline files ({lines} lines) + {options.files} "
          f"unrelated files; {jobs} processes")
    limit = parse_limit(pipelines, jobs)
    cold, problems = cold_check(root, jobs)
    print(f"limit (bare libcst.parse_module): {limit:.3f} s, {lines / limit:,.0f} lines/s")
    print(f"cold flow check:                  {cold:.3f} s, {lines / cold:,.0f} lines/s "
          f"= {limit / cold:.0%} of the limit (target >= 70%); {problems} problems")
    worst = cold_check_with_libcst(root, jobs)
    print(f"  ... every signature via libcst:  {worst:.3f} s, {lines / worst:,.0f} lines/s "
          f"= {limit / worst:.0%} of the limit (no ast fast path)")
    warm = process_time(["check", str(root)])
    print(f"warm flow check (new process):    {warm:.3f} s (target <= 0.5 s)")
    one = process_time(["check", "--no-cache", str(pipelines[1])])
    print(f"one file, --no-cache (process):   {one:.3f} s (target <= 0.6 s)")
    if not options.skip_steps:
        many_steps(base)
    if options.memory_files and os.path.isdir("/proc"):
        big = base / "memory"
        big.mkdir()
        make_corpus(big, options.memory_files // 2)  # pipeline + unrelated file each
        seconds, peak = peak_tree_memory(["check", "--no-cache", "-j", str(jobs), str(big)])
        print(f"memory, {options.memory_files:,} files:          peak {peak / 2**20:.0f} MB "
              f"summed over the process tree, {seconds:.1f} s (target < 500 MB)")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
