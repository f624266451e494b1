"""A Dask cluster as a team runs one: ``dask scheduler`` and ``dask worker`` started from the
command line on 127.0.0.1, each in a folder of its own, without this repository on
``PYTHONPATH`` (the workers import flowplan, installed, but not the tests), stopped by pid."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).with_name("dask"))
START_TIMEOUT = 90.0


def clean_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH or flowplan settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and not k.startswith(("FLOWPLAN_", "ZENML_", "DASK_"))
    }


class CliCluster:
    """One scheduler and any number of workers (each a nanny and its worker process)."""

    def __init__(self, root: Path, *, dashboard: bool = False) -> None:
        self.root = root
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        folder = self._folder("scheduler")
        scheduler_file = folder / "scheduler.json"
        dashboard_args = ["--dashboard-address", "127.0.0.1:0"] if dashboard else ["--no-dashboard"]
        self._start(
            "scheduler",
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--scheduler-file", str(scheduler_file), *dashboard_args],
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.exists():
            if time.monotonic() > deadline or self.processes["scheduler"].poll() is not None:
                raise RuntimeError(f"the scheduler did not start: {self.log('scheduler')}")
            time.sleep(0.05)
        time.sleep(0.05)  # the file is written in one go, but give it a moment
        self.address: str = json.loads(scheduler_file.read_text())["address"]

    def add_worker(self, name: str, *, threads: int = 2, resources: str | None = None) -> None:
        """Start ``dask worker`` (with its nanny) in a folder of its own."""
        folder = self._folder(name)
        extra = ["--resources", resources] if resources else []
        self._start(
            name,
            [DASK, "worker", self.address, "--name", name, "--nthreads", str(threads),
             "--nworkers", "1", "--local-directory", str(folder / "dask"), *extra],
        )

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(count, timeout=START_TIMEOUT)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def stop(self, name: str) -> None:
        """End the process ``name`` and its children (its own process group), by pid."""
        process = self.processes.pop(name)
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # children left behind (a nanny's worker)
            os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        for name in [n for n in self.processes if n != "scheduler"] + ["scheduler"]:
            if name in self.processes:
                self.stop(name)

    def log(self, name: str) -> str:
        return (self.root / name / "log.txt").read_text(errors="replace")[-3000:]

    def _folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _start(self, name: str, command: list[str]) -> None:
        folder = self._folder(name)
        with (folder / "log.txt").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=folder,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: stopped with its children
            )
