"""Messages of FP8xx: the findings only ``flow check`` gives (its rules live in
:mod:`flowplan.lint.rules`, one module each, with their rationale and examples)."""

from __future__ import annotations

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic

#: Where a finding is: path, line, column, end line, end column.
Span = tuple[str | None, int | None, int | None, int | None, int | None]


# -- FP801 step-name-alias ---------------------------------------------------------------------
def step_name_alias(step: str, span: Span) -> Diagnostic:
    path, line, column, end_line, end_column = span
    return make("FP801", f"`step_name=` sets the id of this `{step}` call; `id=` says what it "
                "means", path=path, line=line, column=column, end_line=end_line,
                end_column=end_column,
                fix="replace `step_name=` with `id=` (`flow check --fix` does it)")


# -- FP802 nondeterministic-cached-step --------------------------------------------------------
def nondeterministic_cached_step(step: str, what: str, name: str, span: Span) -> Diagnostic:
    """``what`` the step reads (``the clock``, ...) through ``name`` (``time.time``)."""
    path, line, column, end_line, end_column = span
    return make("FP802", f"step `{step}` is cached but reads {what} (`{name}`): a cache hit "
                "returns what an earlier run read", path=path, line=line, column=column,
                end_line=end_line, end_column=end_column,
                fix="turn caching off for it (@step(enable_cache=False)), or pass the value in "
                "as a parameter")


# -- FP803 mutable-default ---------------------------------------------------------------------
def mutable_default(step: str, name: str, default: str, span: Span) -> Diagnostic:
    """``default`` as written (``[]``)."""
    path, line, column, end_line, end_column = span
    return make("FP803", f"input `{name}` of step `{step}` defaults to `{default}`, one object "
                "shared by every call in the process", path=path, line=line, column=column,
                end_line=end_line, end_column=end_column,
                fix=f"default to None and build the value in the step: "
                f"`{name} = {name} if {name} is not None else {default}`")


# -- FP804 step-call-at-import -----------------------------------------------------------------
def step_call_at_import(step: str, span: Span) -> Diagnostic:
    path, line, column, end_line, end_column = span
    return make("FP804", f"step `{step}` is called at import time, outside any pipeline: "
                "importing this module runs it as a one-step run", path=path, line=line,
                column=column, end_line=end_line, end_column=end_column,
                fix='call it inside a @pipeline, or under `if __name__ == "__main__":`')
