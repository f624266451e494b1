"""Snapshots and triggers (DESIGN decision 16) at their public path.

A snapshot stores a compiled plan and where its code lives; triggering one runs it in a
background process.  The views live in :mod:`flowplan.store.views`, the behaviour in
:mod:`flowplan.executor.triggers`.
"""

from __future__ import annotations

from flowplan.executor.background import compile_snapshot
from flowplan.executor.triggers import create_snapshot, find_snapshot, trigger
from flowplan.store.views import Snapshot

__all__ = ["Snapshot", "compile_snapshot", "create_snapshot", "find_snapshot", "trigger"]
