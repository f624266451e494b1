"""What the mypy plugin costs: mypy on a 200-step pipeline file, with and without it.

Run: python benchmarks/mypy_plugin.py [--steps 200] [--repeat 3]

The file: ``--steps`` steps (a quarter with two outputs, unpacked in the pipeline), one
pipeline calling each of them once, wired output to input, with ``id=`` and ``after=`` on
some calls -- every kind of call the plugin checks.  Measured in the same run, alternating,
each a new ``python -m mypy --strict`` process:

- cold: fresh mypy and flowplan cache folders (mypy analyses the standard library and
  flowplan too, as in a first run in CI);
- file only: every dependency cached, the pipeline file changed (a comment), so mypy checks
  that one file again -- where the plugin's own work is the largest share.

Target: with the plugin <= 1.5x without it, in both (medians).  Without the plugin mypy
reports the documented ``id=``/``after=`` keywords as errors; only the time is compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import isolate


def pipeline_file(steps: int) -> str:
    lines = [
        "from typing import Annotated, Tuple",
        "",
        "from flowplan import pipeline, step",
        "",
    ]
    for i in range(steps):
        if i % 4 == 3:
            lines += [
                "@step",
                f"def step_{i}(value: int, scale: float = 1.0) -> Tuple[",
                '    Annotated[int, "whole"], Annotated[float, "scaled"]',
                "]:",
                "    return value, value * scale",
                "",
            ]
        else:
            lines += [
                "@step",
                f"def step_{i}(value: int, label: str = 'x') -> int:",
                "    return value + len(label)",
                "",
            ]
    lines += ["@pipeline(enable_cache=False)", "def big_pipeline(start: int) -> None:"]
    lines.append("    value = start")
    for i in range(steps):
        if i % 4 == 3:
            lines.append(f"    value, scaled_{i} = step_{i}(value, scale=0.5)")
        elif i % 10 == 5:
            lines.append(f'    value = step_{i}(value, label="s", id="call_{i}", after="step_0")')
        else:
            lines.append(f"    value = step_{i}(value=value)")
    return "\n".join(lines) + "\n"


def run_mypy(folder: Path, config: Path, cache: Path) -> float:
    env = {**os.environ, "FLOWPLAN_CACHE_DIR": str(cache / "flowplan")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir",
         str(cache / "mypy"), "pipes.py"],
        cwd=folder, env=env, capture_output=True, text=True, check=False,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    isolate()
    folder = Path(tempfile.mkdtemp(prefix="flowplan-mypy-bench-"))
    source = pipeline_file(args.steps)
    (folder / "pipes.py").write_text(source)
    configs = {}
    for name, plugins in (("without", ""), ("with", "plugins = flowplan.mypy\n")):
        configs[name] = folder / f"{name}.ini"
        configs[name].write_text(f"[mypy]\nstrict = True\n{plugins}")

    cold: dict[str, list[float]] = {"without": [], "with": []}
    warm: dict[str, list[float]] = {"without": [], "with": []}
    for round_ in range(args.repeat):
        for name, config in configs.items():
            cache = Path(tempfile.mkdtemp(prefix=f"cache-{name}-", dir=folder))
            (folder / "pipes.py").write_text(source)
            cold[name].append(run_mypy(folder, config, cache))
            (folder / "pipes.py").write_text(source + f"# edit {round_}\n")
            warm[name].append(run_mypy(folder, config, cache))

    print(f"mypy --strict on one pipeline file of {args.steps} steps "
          f"(median of {args.repeat}, python {sys.version.split()[0]})")
    for label, times in (("cold (fresh caches)", cold), ("file only (deps cached)", warm)):
        without = statistics.median(times["without"])
        with_plugin = statistics.median(times["with"])
        ratio = with_plugin / without
        verdict = "ok" if ratio <= 1.5 else "OVER TARGET"
        print(f"  {label:24} without {without:6.2f} s   with plugin {with_plugin:6.2f} s   "
              f"ratio {ratio:4.2f}x (target <= 1.5x: {verdict})")


if __name__ == "__main__":
    main()
