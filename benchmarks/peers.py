"""flowplan's durable per-step cost against Kedro's in-memory one, measured in the same run.

Run: python benchmarks/peers.py --kedro-python PATH [--rounds N]

``PATH`` is a Python with Kedro installed (Kedro is not a dependency of flowplan: make one
with ``python -m venv /tmp/kedro && /tmp/kedro/bin/pip install kedro``).

Both run a 100-step chain whose steps add one to their input, a second run and later in the
same process (the pipeline is built once):
  * flowplan with its durable store (caching off: compile, run, an artifact file and
    the metadata of every step in SQLite), in this process;
  * Kedro's ``SequentialRunner`` over a fresh ``DataCatalog`` (its datasets in memory: it
    keeps nothing), in a process of that Python.
Rounds alternate the two, so that a host whose speed drifts disturbs both alike; each round
gives the median of its runs, and the ratio of the two.  Issue 13's target for flowplan's
durable per-step cost, 0.15 ms on the machine it was set on, was "3x better than Kedro":
the ratio printed here is that comparison on any machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median_time
from overhead import chain  # (a fresh store: importing it isolates flowplan's folders)

STEPS = 100
KEDRO_SCRIPT = textwrap.dedent("""
    import logging, statistics, sys, time
    logging.disable(logging.CRITICAL)
    import kedro
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline, node
    from kedro.runner import SequentialRunner

    def start():
        return 0

    def inc(x):
        return x + 1

    steps, repeat = int(sys.argv[1]), int(sys.argv[2])
    pipe = Pipeline([node(start, None, "v0", name="s0")]
                    + [node(inc, f"v{i - 1}", f"v{i}", name=f"s{i}") for i in range(1, steps)])

    def run():
        return SequentialRunner().run(pipe, DataCatalog())

    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    print(kedro.__version__, statistics.median(times))
""")


def kedro_per_step(python: str, repeat: int) -> tuple[str, float]:
    """Kedro's version, and the median seconds per step of its chain's runs."""
    done = subprocess.run(
        [python, "-c", KEDRO_SCRIPT, str(STEPS), str(repeat)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    version, seconds = done.stdout.split()[-2:]
    return version, float(seconds) / STEPS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kedro-python", required=True, help="a Python with Kedro installed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    durable = chain(STEPS, enable_cache=False, tag="_peers")
    durable()  # the first run in this process
    ours, theirs, ratios = [], [], []
    version = "?"
    for _ in range(args.rounds):
        version, kedro = kedro_per_step(args.kedro_python, args.repeat)
        flowplan = median_time(durable, repeat=args.repeat) / STEPS
        ours.append(flowplan)
        theirs.append(kedro)
        ratios.append(kedro / flowplan)
    print(f"{STEPS}-step chain, per step, a second run and later in the same process, "
          f"medians of {args.rounds} alternating rounds of {args.repeat} runs each:")  # fmt: skip
    print(f"  flowplan, durable store:   {statistics.median(ours) * 1e3:.3f} ms")
    print(f"  Kedro {version}, in memory: {statistics.median(theirs) * 1e3:.3f} ms")
    print(f"  Kedro / flowplan: {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; target: >= 3x)")  # fmt: skip


if __name__ == "__main__":
    main()
