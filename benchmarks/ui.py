"""Server time of the `flow ui` dashboard's heaviest pages, measured in one process.

Run: python benchmarks/ui.py      (needs the ui extra: pip install -e '.[ui]')
Prints medians of the time the ASGI app takes to answer (request in, last byte out; no
network, no browser) for:
  * the run page of a real 1,000-step run (a fan-out of 998 steps between a source and a
    fan-in), with the fan-out folded (the default) and with every step drawn (?expand=all),
    and with a step's panel open;
  * the runs page (first page, a status filter, a deep page) and the pipelines page of a store
    holding 10,000 runs (copies of a real 3-step run's rows, written in one transaction).
Baselines measured in the same run: the same data read through the public API as
`flow runs show RUN` and `flow runs list --limit 50` print it.
Targets: run page of a 1,000-step run < 0.3 s; runs page of a 10,000-run store < 0.2 s.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import isolate, median_time

root = isolate()

from flowplan import pipeline, step  # noqa: E402
from flowplan.client import Client  # noqa: E402
from flowplan.descriptions import describe_run, describe_runs  # noqa: E402
from flowplan.store.local import LocalStore  # noqa: E402
from flowplan.ui.app import create_app  # noqa: E402

REPEAT = 7
LOOP = asyncio.new_event_loop()  # one loop, so sync handlers reuse their worker threads


@step
def source() -> list[int]:
    return list(range(10))


@step
def square(numbers: list[int], index: int) -> int:
    return numbers[index % 10] ** 2


@step
def gather(values: list[int]) -> int:
    return sum(values)


@pipeline(enable_cache=False)
def wide(width: int = 998) -> None:
    numbers = source()
    gather([square(numbers, index=i) for i in range(width)])


@pipeline(enable_cache=False)
def small() -> None:
    numbers = source()
    gather([square(numbers, index=0)])


def asgi_get(app: Any, path: str) -> bytes:
    """One GET through the ASGI app; fails unless it answers 200."""
    target, _, query = path.partition("?")
    status: list[int] = []
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        else:
            body.append(message.get("body", b""))

    scope = {
        "type": "http", "method": "GET", "path": target, "query_string": query.encode(),
        "headers": [], "root_path": "", "scheme": "http", "server": ("127.0.0.1", 80),
        "http_version": "1.1",
    }
    LOOP.run_until_complete(app(scope, receive, send))
    if status != [200]:
        raise SystemExit(f"GET {path} answered {status}")
    return b"".join(body)


def copy_runs(store: LocalStore, template_id: uuid.UUID, count: int) -> None:
    """``count`` copies of a run's rows (run and step runs), in one transaction."""

    def write(conn: Any) -> None:
        run = dict(conn.execute("SELECT * FROM runs WHERE id = ?", (str(template_id),)).fetchone())
        steps = [dict(r) for r in conn.execute(
            "SELECT * FROM step_runs WHERE run_id = ?", (str(template_id),))]
        statuses = ["completed"] * 8 + ["failed", "cached"]
        run_rows, step_rows = [], []
        for i in range(count):
            run_id = str(uuid.uuid4())
            status = statuses[i % len(statuses)]
            run_rows.append({**run, "id": run_id, "name": f"small-copy-{i:05d}",
                             "status": status, "created": run["created"] + i})
            step_rows += [{**s, "id": str(uuid.uuid4()), "run_id": run_id} for s in steps]
        for table, rows in (("runs", run_rows), ("step_runs", step_rows)):
            columns = list(rows[0])
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"({', '.join('?' * len(columns))})",
                [tuple(r[c] for c in columns) for r in rows],
            )

    store.metadata.db.write(write)


def report(label: str, seconds: float, target: float | None = None,
           baseline: float | None = None) -> None:
    extra = f"   target < {target:.2f} s" if target is not None else ""
    if baseline:
        extra += f"   {seconds / baseline:.2f}x the public-API baseline"
    print(f"  {label:<58} {seconds * 1000:8.1f} ms{extra}")


def main() -> None:
    started = time.perf_counter()
    big = wide()
    print(f"1,000-step run made in {time.perf_counter() - started:.1f} s ({len(big.steps)} steps)")
    template = small()
    copy_runs(LocalStore.open(), template.id, 10_000 - 2)
    store = LocalStore.open()
    app = create_app(store, {"home": str(store.home)})
    asgi_get(app, "/")  # warm: templates compiled, connections open
    cold = time.perf_counter()
    asgi_get(app, f"/runs/{big.id}")
    cold = time.perf_counter() - cold

    print("run page of the 1,000-step run (server time, median of 7):")
    baseline = median_time(lambda: describe_run(Client().get_pipeline_run(big.id)), REPEAT)
    report("baseline: `flow runs show` (public API + text)", baseline)
    report("run page, first view (plan parsed)", cold, 0.3, baseline)
    for label, path in (
        ("run page, fan-out folded (default)", f"/runs/{big.id}"),
        ("run page, every step drawn (?expand=all)", f"/runs/{big.id}?expand=all"),
        ("run page with the panel of the fan-in step", f"/runs/{big.id}?step=gather"),
        ("live status poll of the run", f"/runs/{big.id}/live?since=x"),
    ):
        report(label, median_time(lambda p=path: asgi_get(app, p), REPEAT), 0.3, baseline)

    print("store of 10,000 runs (server time, median of 7):")
    baseline = median_time(lambda: describe_runs(Client().list_pipeline_runs(limit=50)), REPEAT)
    report("baseline: `flow runs list --limit 50` (public API + text)", baseline)
    for label, path in (
        ("runs page, first page of 50", "/runs"),
        ("runs page filtered by status (failed)", "/runs?status=failed"),
        ("runs page filtered by pipeline and status", "/runs?pipeline=small&status=cached"),
        ("runs page 150 of 200", "/runs?page=150"),
        ("pipelines page", "/"),
    ):
        report(label, median_time(lambda p=path: asgi_get(app, p), REPEAT), 0.2, baseline)
    store.close()


if __name__ == "__main__":
    main()
