"""The static front end: Plans from source, without importing or running it (lint path).

Re-exports, loaded on first use so that importing a light submodule (``source``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowplan.lazy import lazy_exports

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.plans import (
        PipelineCheck,
        check_pipeline,
        validate_plan,
    )
    from flowplan.compiler.frontends.static.program import Program

_LAZY = {
    "PipelineCheck": "flowplan.compiler.frontends.static.plans",
    "check_pipeline": "flowplan.compiler.frontends.static.plans",
    "validate_plan": "flowplan.compiler.frontends.static.plans",
    "Program": "flowplan.compiler.frontends.static.program",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = ["PipelineCheck", "Program", "check_pipeline", "validate_plan"]
