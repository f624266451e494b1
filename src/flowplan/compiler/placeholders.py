"""Placeholder artifacts: what step calls return while a pipeline function is traced.

Artifacts exist only when the pipeline runs, so using a placeholder as a value -- ``if a:``,
``a + 1``, ``a["k"]``, ``for x in a`` -- is a diagnostic (FP204) naming the pipeline line.
"""

from __future__ import annotations

import functools
import sys
from opcode import opmap  # (what ``dis.opmap`` is, without loading dis)
from types import CodeType, FrameType
from typing import TYPE_CHECKING, NoReturn

from flowplan.compiler.reference import ArtifactReference
from flowplan.diagnostics import CompileError
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.compiler.tracing_state import ActiveTracer

_UNPACK = opmap["UNPACK_SEQUENCE"]
_UNPACK_EX = opmap["UNPACK_EX"]
# Instructions whose position is their whole statement (``if``/``while``/``for``/``assert``)
# rather than the value they test or iterate: that value is what the previous one pushed.
_STATEMENT_OPS = frozenset(
    op for name, op in opmap.items() if "JUMP_IF" in name or name.startswith("POP_JUMP")
) | {opmap["GET_ITER"]}
_NOT_INSTRUCTIONS = frozenset(opmap[n] for n in ("CACHE", "EXTENDED_ARG") if n in opmap)


def frame_location(frame: FrameType) -> tuple[str, int, int | None]:
    """File, line and 1-based column of the expression a frame is evaluating: the current
    instruction, or for a branch or a loop the value it tests or iterates."""
    code = frame.f_code
    line = frame.f_lineno
    column: int | None = None
    positions = getattr(code, "co_positions", None)
    if positions is not None and frame.f_lasti >= 0:
        index = frame.f_lasti // 2
        if code.co_code[2 * index] in _STATEMENT_OPS:
            index = _previous_instruction(code, index)
        table = _positions(code)
        pos = table[index] if index < len(table) else None
        if pos is not None and pos[0] is not None:
            line = pos[0]
            column = None if pos[2] is None else pos[2] + 1
    return code.co_filename, line, column


@functools.lru_cache(maxsize=64)
def _positions(code: CodeType) -> list[tuple[int | None, int | None, int | None, int | None]]:
    """The source positions of each code unit of a pipeline body (asked once per step call)."""
    positions = getattr(code, "co_positions", None)  # Python >= 3.11
    return list(positions()) if positions is not None else []


def _previous_instruction(code: CodeType, index: int) -> int:
    """The code unit of the instruction before the one at ``index`` (itself if none)."""
    raw = code.co_code
    previous = index - 1
    while previous >= 0 and raw[2 * previous] in _NOT_INSTRUCTIONS:
        previous -= 1
    return previous if previous >= 0 else index


def body_frame(codes: set[CodeType]) -> FrameType | None:
    """The innermost frame running one of the traced pipeline functions."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code in codes:
            return frame
        frame = frame.f_back
    return None


def _is_unpacking(frame: FrameType) -> bool:
    code = frame.f_code.co_code
    if 0 <= frame.f_lasti < len(code):
        return code[frame.f_lasti] in (_UNPACK, _UNPACK_EX)
    return False


class Artifact(ArtifactReference):
    """A step output inside a traced pipeline body: a reference, not a value."""

    __slots__ = ("_tracer",)

    def __init__(self, tracer: ActiveTracer, step: str, output: str | None) -> None:
        setattr_ = object.__setattr__  # (the base class refuses attributes set on it)
        setattr_(self, "_step", step)
        setattr_(self, "_output", output)
        setattr_(self, "_tracer", tracer)

    def _refuse(self, what: str) -> NoReturn:
        tracer: ActiveTracer = object.__getattribute__(self, "_tracer")
        frame = body_frame(tracer.body_codes)
        path, line, column = frame_location(frame) if frame else (None, None, None)
        if what == "iterated" and frame is not None and _is_unpacking(frame):
            raise CompileError(
                wiring.unpacking_single_output(
                    self.invocation_id, bool(self.output_name), path, line, column
                )
            )
        raise CompileError(
            wiring.artifact_as_value(repr(self), what, tracer.pipeline_name, path, line, column)
        )
