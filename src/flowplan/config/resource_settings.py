"""``ResourceSettings`` at its ZenML-compatible path ``flowplan.config.ResourceSettings``.

What one step needs from the machine that runs it: ``cpu_count`` (float > 0), ``gpu_count``
(int >= 0) and ``memory`` (``"512MB"``, ``"4GiB"``, ...).  On a Dask cluster they become the
task's worker resources ``CPU``, ``GPU`` and ``MEMORY`` (bytes): the step runs only on a
worker that declares enough of them (``dask worker ... --resources "CPU=4 GPU=1 MEMORY=16e9"``),
and no more such steps run on a worker at once than its resources allow.  The local
orchestrator runs every step on this machine and does not reserve them.

``settings={"resources": ResourceSettings(cpu_count=2, memory="4GB")}`` or the same keys as a
dict, on a step or a pipeline (its steps inherit them; a step's own win).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MEMORY_UNITS = {
    "KB": 10**3,
    "KiB": 2**10,
    "MB": 10**6,
    "MiB": 2**20,
    "GB": 10**9,
    "GiB": 2**30,
    "TB": 10**12,
    "TiB": 2**40,
    "PB": 10**15,
    "PiB": 2**50,
}
FIELDS = ("cpu_count", "gpu_count", "memory")


@functools.cache
def _memory() -> re.Pattern[str]:
    """The pattern of a memory size, compiled when a process first reads one."""
    return re.compile(r"^([0-9]+)(" + "|".join(MEMORY_UNITS) + r")$")


@dataclass(frozen=True)
class ResourceSettings:
    """Resources one step needs (see the module docstring)."""

    cpu_count: float | None = None
    gpu_count: int | None = None
    memory: str | None = None

    def dask_resources(self) -> dict[str, float]:
        """The Dask worker resources a task of this step asks for."""
        wanted: dict[str, float] = {}
        if self.cpu_count:
            wanted["CPU"] = float(self.cpu_count)
        if self.gpu_count:
            wanted["GPU"] = float(self.gpu_count)
        if self.memory:
            wanted["MEMORY"] = float(memory_bytes(self.memory))
        return wanted


def memory_bytes(text: str) -> int:
    """``"4GB"`` -> 4_000_000_000 (ValueError for anything else)."""
    match = _memory().match(text)
    if match is None:
        raise ValueError(text)
    return int(match[1]) * MEMORY_UNITS[match[2]]


def resource_problems(raw: Any) -> Iterator[str]:
    """What is wrong with a ``resources`` setting (nothing for a valid one)."""
    if isinstance(raw, ResourceSettings):
        raw = {name: getattr(raw, name) for name in FIELDS}
    if not isinstance(raw, Mapping):
        yield f"must be a ResourceSettings or a dict, not {type(raw).__name__}"
        return
    for key, value in raw.items():
        if key not in FIELDS:
            yield f"has the unknown key `{key}`"
        elif value is None:
            continue
        elif key == "cpu_count" and not (_number(value) and value > 0):
            yield f"`cpu_count` must be a number > 0, not {value!r}"
        elif key == "gpu_count" and not (type(value) is int and value >= 0):
            yield f"`gpu_count` must be an integer >= 0, not {value!r}"
        elif key == "memory" and not (isinstance(value, str) and _memory().match(value)):
            yield f"`memory` must be a size such as \"512MB\" or \"4GiB\", not {value!r}"


def as_resource_settings(raw: Any) -> ResourceSettings:
    """A checked ``resources`` setting as ``ResourceSettings`` (empty for None)."""
    if raw is None:
        return ResourceSettings()
    if isinstance(raw, ResourceSettings):
        return raw
    return ResourceSettings(**{k: v for k, v in raw.items() if k in FIELDS})


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
