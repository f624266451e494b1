"""Messages of FP2xx: pipeline wiring and the DAG -- the words both front ends, the
validator and a single-step run use alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypedDict

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest

_Column = int | None


# Where a step call is: the keywords of ``make`` that locate a diagnostic.  (The functional
# form: class-form fields are text here, which TypedDict compiles one by one.)
At = TypedDict("At", {  # noqa: UP013
    "path": str | None, "line": int | None, "column": int | None,
})


# -- FP203 duplicate-id ------------------------------------------------------------------------
def duplicate_id(
    inv_id: str, pipeline: str, path: str | None, line: int | None, column: _Column = None
) -> Diagnostic:
    return make("FP203", f"invocation id `{inv_id}` is used twice in pipeline `{pipeline}`",
                path=path, line=line, column=column, fix="give each call its own id= value")


# -- FP204 artifact-as-value -------------------------------------------------------------------
def artifact_as_value(
    artifact: str, what: str, pipeline: str, path: str | None, line: int | None,
    column: _Column, end_line: int | None = None, end_column: int | None = None,
) -> Diagnostic:
    """``artifact`` (its repr) is ``what`` ("iterated", "compared", ...) in a pipeline body."""
    return make(
        "FP204",
        f"{artifact} is {what} inside pipeline `{pipeline}`, but artifacts exist only at run "
        "time",
        path=path, line=line, column=column, end_line=end_line, end_column=end_column,
        why="the pipeline function runs once, at compile time, to record which steps run "
        "and how they connect; step outputs are placeholders there",
        fix="move the logic into a step that takes the artifact as an input",
    )


def mixed_input(
    name: str, inv_id: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP204", f"input `{name}` of `{inv_id}` mixes artifacts with other values",
                path=path, line=line, column=column,
                fix="pass a list made only of artifacts, or combine the values in a step")


# -- FP205 unpack-outputs ----------------------------------------------------------------------
def unpacking_single_output(
    inv_id: str, has_output: bool, path: str | None, line: int | None, column: _Column,
    end_line: int | None = None, end_column: int | None = None,
) -> Diagnostic:
    count = "one output" if has_output else "no outputs"
    return make("FP205", f"step `{inv_id}` has {count}, which cannot be unpacked",
                path=path, line=line, column=column, end_line=end_line, end_column=end_column,
                fix="annotate several outputs as Tuple[...] and return a tuple literal, "
                "or keep the single output in one variable")


def unpacking_output_count(
    inv_id: str, outputs: Sequence[str], targets: int, path: str | None, line: int | None,
    column: _Column,
) -> Diagnostic:
    listed = ", ".join(f"`{o}`" for o in outputs)
    return make("FP205", f"step `{inv_id}` has {len(outputs)} outputs ({listed}), but the call "
                f"is unpacked into {targets} names", path=path, line=line, column=column,
                fix=f"unpack exactly {len(outputs)} names")


def unpacking_failed(
    pipeline: str, error: object, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP205", f"unpacking a step call in pipeline `{pipeline}` failed: {error}",
                path=path, line=line, column=column,
                fix="unpack exactly as many variables as the step has outputs")


# -- FP206 type-mismatch ----------------------------------------------------------------------
def artifact_type_mismatch(
    name: str, inv_id: str, source: str, mismatch: str, path: str | None, line: int | None,
    column: _Column,
) -> Diagnostic:
    return make("FP206", f"input `{name}` of `{inv_id}` receives `{source}`: {mismatch}",
                path=path, line=line, column=column,
                fix="change one of the annotations, or convert the value in a step")


def argument_type_mismatch(
    name: str, inv_id: str, expected: str, received: str, path: str | None, line: int | None,
    column: _Column,
) -> Diagnostic:
    """A step call's argument, judged by its static type (the mypy plugin)."""
    return make("FP206", f"input `{name}` of step `{inv_id}` expects {expected}, but receives "
                f"{received}", path=path, line=line, column=column,
                fix="change one of the annotations, or convert the value in a step")


# -- FP207 missing-input -----------------------------------------------------------------------
def missing_inputs(
    inv_id: str, missing: Iterable[str], path: str | None, line: int | None,
    column: _Column = None,
) -> Diagnostic:
    names = ", ".join(f"`{m}`" for m in missing)
    return make("FP207", f"step `{inv_id}` is called without its required input(s) {names}",
                path=path, line=line, column=column,
                fix="pass each one as an artifact or a parameter")


# -- FP208 unknown-argument --------------------------------------------------------------------
def unknown_input(
    inv_id: str, name: str, known: Iterable[str], path: str | None, line: int | None,
    column: _Column, list_known: bool = True,
) -> Diagnostic:
    """``list_known``: without a close match, the fix lists the step's inputs (a call site)
    rather than nothing (the validator, which points at the call already)."""
    names = list(known)
    close = closest(name, names)
    fix = (f"did you mean `{close}`?" if close
           else f"`{inv_id}` takes: {', '.join(names) or 'no inputs'}" if list_known else None)
    return make("FP208", f"step `{inv_id}` has no input `{name}`", path=path, line=line,
                column=column, fix=fix)


def positional_only_by_keyword(
    inv_id: str, name: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP208", f"input `{name}` of step `{inv_id}` is positional-only",
                path=path, line=line, column=column, fix=f"pass `{name}` by position")


# -- FP211 foreign-artifact -------------------------------------------------------------------
def foreign_artifact(
    name: str, inv_id: str, artifact: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP211", f"input `{name}` of `{inv_id}` is {artifact}, an artifact of another "
                "pipeline", path=path, line=line, column=column,
                fix="pass artifacts produced inside this pipeline only")


# -- FP212 invalid-id --------------------------------------------------------------------------
def invalid_id(
    step: str, custom: object, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP212", f"the id of a `{step}` call must be a non-empty string, not {custom!r}",
                path=path, line=line, column=column, fix='pass id="a_unique_name"')


def id_not_a_string(
    step: str, key: str, type_name: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    """``id=`` (or ``step_name=``) judged by its static type (the mypy plugin)."""
    return make("FP212", f"the {key}= of a `{step}` call must be a string, not {type_name}",
                path=path, line=line, column=column, fix='pass id="a_unique_name"')


# -- FP213 pipeline-arguments ------------------------------------------------------------------
def pipeline_arguments(
    pipeline: str, reason: object, known: Iterable[str], given: Iterable[str],
    path: str | None, line: int | None, column: _Column,
) -> Diagnostic:
    """A pipeline's arguments do not bind (``reason``: Python's own ``TypeError`` text)."""
    names = list(known)
    fix = f"`{pipeline}` takes: {', '.join(names) or 'no parameters'}"
    for name in given:
        close = closest(name, names)
        if name not in names and close:
            fix = f"did you mean `{close}`? {fix}"
            break
    return make("FP213", f"pipeline `{pipeline}`: {reason}", path=path, line=line,
                column=column, fix=fix)


# -- FP214 step-outside-pipeline-body ----------------------------------------------------------
def step_object_as_input(
    name: str, inv_id: str, step: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP214", f"input `{name}` of `{inv_id}` is the step `{step}` itself, not its "
                "output", path=path, line=line, column=column, fix=f"call it: {step}()")


# -- FP215 invalid-after -----------------------------------------------------------------------
def invalid_after(
    inv_id: str, item: object, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP215", f"after= of `{inv_id}` holds {item!r}", path=path, line=line,
                column=column, fix="pass step outputs or invocation id strings")


# -- FP216 no-outputs --------------------------------------------------------------------------
def output_of_outputless_step(
    name: str, inv_id: str, producer: str, path: str | None, line: int | None, column: _Column
) -> Diagnostic:
    return make("FP216", f"input `{name}` of `{inv_id}` is the result of `{producer}`, which "
                "has no outputs", path=path, line=line, column=column,
                fix=f'use after="{producer}" to order the steps, or give the step an output')


# -- FP217 pipeline-return ---------------------------------------------------------------------
def pipeline_returns_non_artifact(
    pipeline: str, item: object, path: str | None, line: int | None
) -> Diagnostic:
    return make("FP217", f"pipeline `{pipeline}` returns {item!r}, not a step output",
                path=path, line=line, fix="return step outputs (artifacts), or nothing")


# -- FP230 empty-pipeline ----------------------------------------------------------------------
def empty_pipeline(pipeline: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP230", f"pipeline `{pipeline}` calls no step: there is nothing to run",
                path=path, line=line,
                fix=f"call at least one step in the body of `{pipeline}`, or do not run it")


# -- FP201 cycle -------------------------------------------------------------------------------
def cycle(pipeline: str, around: Sequence[str], at: At) -> Diagnostic:
    """``around``: the ids around the cycle, the first repeated at the end (``a, b, a``);
    carried as the diagnostic's ``subjects`` too."""
    return make("FP201", f"the steps of pipeline `{pipeline}` form a cycle: "
                f"{' -> '.join(around)}",
                fix="remove one of the after= or data dependencies on the cycle",
                subjects=around, **at)


# -- FP202 unknown-after -----------------------------------------------------------------------
def unknown_after(inv_id: str, dep: str, pipeline: str, fix: str, at: At) -> Diagnostic:
    return make("FP202", f"`{inv_id}` runs after `{dep}`, but pipeline `{pipeline}` has no "
                "step call with that id", fix=fix, **at)


# -- FP209 too-many-positional -----------------------------------------------------------------
def too_many_positional(step_id: str, takes: int, given: int, path: str | None,
                        line: int | None, column: _Column) -> Diagnostic:
    return make("FP209", f"step `{step_id}` takes {takes} positional input(s) but {given} were "
                "given", path=path, line=line, column=column,
                fix="pass the extra values by keyword, or remove them")


# -- FP210 input-given-twice -------------------------------------------------------------------
def input_given_twice(step_id: str, name: str, path: str | None, line: int | None,
                      column: _Column) -> Diagnostic:
    return make("FP210", f"input `{name}` of step `{step_id}` is given twice", path=path,
                line=line, column=column, fix="pass it either by position or by keyword")


# -- FP218 unknown-artifact --------------------------------------------------------------------
def unknown_artifact(inv_id: str, name: str, reads: str, fix: str | None, at: At) -> Diagnostic:
    """Input ``name`` of ``inv_id`` reads ``reads`` (``step.output``), which nothing makes."""
    return make("FP218", f"input `{name}` of `{inv_id}` reads `{reads}`, which no step produces",
                fix=fix, **at)
