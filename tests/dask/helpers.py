"""Small helpers of the Dask tests."""

from __future__ import annotations

import os
import time
from pathlib import Path


def on_cluster(address: str, **options: object) -> dict[str, dict[str, object]]:
    """Pipeline settings that send the steps to the scheduler at ``address``."""
    return {"orchestrator": {"dask_address": address, **options}}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def dies(pid: int, within: float = 10.0) -> bool:
    """True once the process ``pid`` has ended (waiting up to ``within`` seconds)."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
