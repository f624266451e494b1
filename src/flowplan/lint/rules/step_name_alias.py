"""FP801 step-name-alias: ``step_name=`` where ``id=`` is meant (safe autofix: ``id=``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule
from flowplan.messages import lint as messages

if TYPE_CHECKING:
    import libcst as cst


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    for call in ctx.step_calls:
        if not call.node.keywords:
            continue
        keywords = {k.arg: k for k in call.node.keywords if k.arg}
        if "step_name" not in keywords or "id" in keywords:
            continue
        if "step_name" in call.step.definition.signature.input_names:
            continue  # a real input of the step, not an alias
        node = keywords["step_name"]
        path, line, column = call.source.where(node)
        span = (path, line, column, *call.source.end(node))
        yield messages.step_name_alias(call.step.name, span)


def fix(module: cst.Module, diagnostics: list[Diagnostic]) -> cst.Module:
    """Rename the ``step_name`` keyword of each reported call to ``id``."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wanted = {(d.line, d.column) for d in diagnostics}
    wrapper = MetadataWrapper(module)
    positions = wrapper.resolve(PositionProvider)

    class Rename(cst.CSTTransformer):
        def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
            keyword = original.keyword
            if keyword is None or keyword.value != "step_name":
                return updated
            start = positions[original].start
            if (start.line, start.column + 1) not in wanted:
                return updated
            return updated.with_changes(keyword=cst.Name("id"))

    return wrapper.module.visit(Rename())


RULE = Rule(
    name="step-name-alias",
    codes=("FP801",),
    summary="step_name= is used where id= is meant",
    rationale="""
        `step_name="…"` (from the seed documentation) sets a step call's invocation id, but
        only as an alias, and only when the step has no input of that name: add a
        `step_name` input later and the same call silently passes a parameter instead of
        naming the call.  `id=` always means the id.  `flow check --fix` rewrites it.
    """,
    check=check,
    fix=fix,
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @step
        def label(step_name: str) -> str:
            return step_name

        @pipeline
        def ids() -> None:
            load(id="first_load")
            label(step_name="a real input of this step")
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline
        def ids() -> None:
            load(step_name="first_load")  # expect: FP801:10
            load(step_name="second_load")  # expect: FP801:10
        """,
    ),
)
