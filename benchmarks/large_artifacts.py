"""Peak memory and time of a large artifact's round trip through the store.

Run: python benchmarks/large_artifacts.py [--mb 500] [--kinds bytes,numpy]

Each phase runs in a fresh process, so its peak resident memory (``ru_maxrss``) is its own:
  * save: the value is made, then stored as a step output (``save_output``: materializer,
    content hash, file written atomically);
  * load: the stored artifact is loaded back (``load_artifact``: content checked against its
    digest, then the materializer reads it).
The baseline, measured in the same run, writes and reads the same value with plain Python
(``file.write``/``file.read`` for bytes, ``numpy.save``/``numpy.load`` for an array; the file
fsync'd like the store's), with no hashing, no signature and no atomic rename.  Memory is
reported above the process's footprint before the value exists, as a multiple of the
artifact's size.

Target: peak memory of either phase under 1.2x the artifact (DESIGN: large artifacts are
written and read by streaming, never held in several copies).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _make(kind: str, size: int) -> object:
    if kind == "bytes":
        return os.urandom(size)
    import numpy as np

    return np.random.default_rng(0).integers(0, 255, size, dtype=np.uint8)


def _phase(kind: str, size: int, phase: str, how: str, folder: str) -> dict[str, float]:
    """One phase in this (fresh) process; returns seconds and peak MB above the start."""
    os.environ["FLOWPLAN_HOME"] = os.path.join(folder, "home")
    from flowplan.store.local import LocalStore

    store = LocalStore.open()
    if kind == "numpy":
        import numpy  # noqa: F401  (its import is not the artifact's memory)
    plain = os.path.join(folder, f"plain-{kind}")
    record_file = os.path.join(folder, f"record-{kind}.json")
    start_mb = _peak_mb()
    if phase == "save":
        value = _make(kind, size)
        started = time.perf_counter()
        if how == "baseline":
            with open(plain, "wb") as handle:
                if kind == "numpy":
                    import numpy as np

                    np.save(handle, value, allow_pickle=False)
                else:
                    handle.write(value)  # type: ignore[arg-type]
                handle.flush()
                os.fsync(handle.fileno())  # durable, as the store's files are
        else:
            saved = store.save_output(value, None)
            Path(record_file).write_text(json.dumps(saved[:4]))
    else:
        started = time.perf_counter()
        if how == "baseline":
            if kind == "numpy":
                import numpy as np

                value = np.load(plain)
            else:
                value = Path(plain).read_bytes()
        else:
            value = store.load_artifact(_record(json.loads(Path(record_file).read_text())))
        assert len(value) == size  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _peak_mb() - start_mb}


def _record(saved: list[str]) -> object:
    import uuid
    from datetime import datetime, timezone

    from flowplan.store.records import ArtifactRecord

    content_hash, uri, data_type, materializer = saved
    return ArtifactRecord(
        id=uuid.uuid4(), name="large", version=1, uri=uri, content_hash=content_hash,
        data_type=data_type, materializer=materializer, step_run_id=None, output_name=None,
        created=datetime.now(timezone.utc),
    )


def _in_child(kind: str, size: int, phase: str, how: str, folder: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(size), phase, how, folder],
        check=True, capture_output=True, text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--kinds", default="bytes,numpy")
    parser.add_argument("--child", nargs=5, default=None)
    args = parser.parse_args()
    if args.child:
        kind, size, phase, how, folder = args.child
        print(json.dumps(_phase(kind, int(size), phase, how, folder)))
        return
    size = args.mb << 20
    print(f"artifact: {args.mb} MB; peak memory above the process's start, as x artifact size")
    print(f"{'kind':<7}{'phase':<6}{'baseline':>22}{'flowplan':>22}{'time ratio':>12}")
    worst = 0.0
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory(prefix="flowplan-bench-") as folder:
            for phase in ("save", "load"):
                base = _in_child(kind, size, phase, "baseline", folder)
                ours = _in_child(kind, size, phase, "flowplan", folder)
                ratio = ours["peak_mb"] / args.mb
                worst = max(worst, ratio)
                print(
                    f"{kind:<7}{phase:<6}"
                    f"{base['peak_mb'] / args.mb:>9.2f}x {base['seconds']:>8.2f} s  "
                    f"{ratio:>9.2f}x {ours['seconds']:>8.2f} s  "
                    f"{ours['seconds'] / max(base['seconds'], 1e-9):>10.2f}"
                )
    verdict = "meets" if worst < 1.2 else "MISSES"
    print(f"worst flowplan peak: {worst:.2f}x the artifact ({verdict} the 1.2x target)")


if __name__ == "__main__":
    main()
