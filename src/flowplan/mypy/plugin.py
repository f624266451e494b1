"""flowplan's mypy plugin: step calls in pipeline bodies checked as flowplan compiles them.

Plain typing already gives a step the signature and return type of its function
(``BaseStep[P, R]``).  The plugin adds what a signature cannot say: in a pipeline body a step
call also takes ``id=``/``after=`` (and ``step_name=``), its problems are reported with
flowplan's codes and words (FP205-FP212, naming the step and the input), an unpacked call is
held against the step's outputs, and a pipeline called inside another returns what its
function returns (the artifacts it passes on) rather than a run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mypy.checker import TypeChecker
from mypy.errorcodes import ARG_TYPE, CALL_ARG, MISC, ErrorCode
from mypy.nodes import ARG_STAR, ARG_STAR2, CallExpr, Context
from mypy.options import Options
from mypy.plugin import (
    CheckerPluginInterface,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeOfAny,
    get_proper_type,
)

from flowplan import pipelines
from flowplan.codes import CATALOG
from flowplan.compiler.pipeline import Pipeline, pipeline
from flowplan.compiler.step import BaseStep
from flowplan.mypy.bodies import BodyIndex, PipelineBodies
from flowplan.mypy.calls import Argument, StepCall, checkable, step_function, step_name
from flowplan.version import __version__


def _fullname(obj: type | Callable[..., object]) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


STEP_CALL = f"{_fullname(BaseStep)}.__call__"
# The public ``flowplan.pipelines`` names are the compiler's objects at run time; to type
# checkers they are their own (typed with the run a call returns), so both are hooked.
PIPELINE_CALLS = frozenset(
    {f"{_fullname(Pipeline)}.__call__", f"{pipelines.__name__}.Pipeline.__call__"}
)
PIPELINE_DECORATORS = frozenset({_fullname(pipeline), f"{pipelines.__name__}.pipeline"})

_PARENTS = {"FP205": MISC, "FP206": ARG_TYPE}
# mypy error codes are flowplan's codes, each a sub-code of the mypy code it refines, so
# ``# type: ignore[FP206]`` and ``# type: ignore[arg-type]`` both silence a type mismatch.
ERROR_CODES = {
    code: ErrorCode(code, CATALOG[code].summary, "flowplan", True, _PARENTS.get(code, CALL_ARG))
    for code in ("FP205", "FP206", "FP207", "FP208", "FP209", "FP210", "FP212")
}


class FlowplanPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.bodies = BodyIndex(PIPELINE_DECORATORS)
        self.pending: dict[int, CallableType] = {}  # call id -> the step's own signature

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        """Cached results of another flowplan version are not reused."""
        return __version__

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        return self._step_signature if fullname == STEP_CALL else None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname == STEP_CALL:
            return self._step_result
        if fullname in PIPELINE_CALLS:
            return self._pipeline_result
        return None

    def _bodies(self, api: CheckerPluginInterface, context: Context) -> PipelineBodies | None:
        """The pipeline bodies of the module, when ``context`` is a call written in one."""
        if not isinstance(context, CallExpr) or not isinstance(api, TypeChecker):
            return None
        bodies = self.bodies.of(api.tree)
        return bodies if bodies.holds(context) else None

    def _step_signature(self, ctx: MethodSigContext) -> FunctionLike:
        sig = ctx.default_signature
        if not isinstance(ctx.context, CallExpr):
            return sig
        func = step_function(ctx.context)  # mypy's notes then point at the step's def
        named = sig.copy_modified(name=step_name(ctx.context), definition=func or sig.definition)
        if self._bodies(ctx.api, ctx.context) is None or not checkable(sig):
            return named  # outside a pipeline: a one-step run, the function's own signature
        self.pending[id(ctx.context)] = named
        # mypy binds nothing itself (the method hook binds as flowplan does, with its codes);
        # ``object``, not ``Any``, so that arguments are inferred as they are, not as ``Any``.
        anything = ctx.api.named_generic_type("builtins.object", [])
        return named.copy_modified(
            arg_types=[anything, anything],
            arg_kinds=[ARG_STAR, ARG_STAR2],
            arg_names=[None, None],
        )

    def _step_result(self, ctx: MethodContext) -> Type:
        sig = self.pending.pop(id(ctx.context), None)
        bodies = self._bodies(ctx.api, ctx.context)
        if sig is None or bodies is None or not isinstance(ctx.api, TypeChecker):
            return ctx.default_return_type
        assert isinstance(ctx.context, CallExpr)
        arguments = [
            Argument(expr, kind, name, typ)
            for exprs, kinds, names, types in zip(
                ctx.args, ctx.arg_kinds, ctx.arg_names, ctx.arg_types, strict=True
            )
            for expr, kind, name, typ in zip(exprs, kinds, names, types, strict=True)
        ]
        call = StepCall(ctx.api, ctx.context, sig, arguments)
        for problem in call.problems():
            ctx.api.fail(problem.message, ctx.context, code=ERROR_CODES[problem.code])
        if id(ctx.context) in bodies.unpacked:
            targets = bodies.unpacked[id(ctx.context)]
            unpack = call.unpack_problem(targets, ctx.default_return_type)
            if unpack is not None:
                ctx.api.fail(unpack.message, ctx.context, code=ERROR_CODES[unpack.code])
                return AnyType(TypeOfAny.from_error)  # no second, vaguer error from mypy
        return ctx.default_return_type

    def _pipeline_result(self, ctx: MethodContext) -> Type:
        """Inside a pipeline body, a pipeline call returns its function's own return."""
        proper = get_proper_type(ctx.type)
        if self._bodies(ctx.api, ctx.context) is None or not isinstance(proper, Instance):
            return ctx.default_return_type
        return proper.args[1] if len(proper.args) == 2 else ctx.default_return_type


def stubs_path() -> str:
    """The folder to put on ``mypy_path`` so that ``zenml`` is flowplan's typed API."""
    return str(Path(__file__).resolve().parent.parent / "stubs")


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point (``plugins = ["flowplan.mypy"]``)."""
    return FlowplanPlugin
