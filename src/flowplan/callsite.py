"""Where user code called into flowplan: the location for a diagnostic about that call."""

from __future__ import annotations

import sys
from types import FrameType


def _is_flowplan(frame: FrameType) -> bool:
    module = frame.f_globals.get("__name__")
    return isinstance(module, str) and (module == "flowplan" or module.startswith("flowplan."))


def caller_location() -> tuple[str | None, int | None]:
    """File and line of the innermost frame outside the flowplan package (e.g. the line of a
    decorator applied to a class, or of a ``StepRetryConfig(...)`` call)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _is_flowplan(frame):
        frame = frame.f_back
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno
