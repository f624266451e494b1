"""Checking one step call written in a pipeline body, against the step's own signature.

The arguments are bound as a traced call binds them (:func:`flowplan.compiler.binding.bind`),
so mypy reports an unknown, surplus or doubled input with the words and code of a run or of
``flow check``; then each bound argument's type is held against its input's annotation, and an
unpacked call against the step's outputs as the analyzer decides them from source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mypy.checker import TypeChecker
from mypy.messages import format_type_distinctly
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    ArgKind,
    CallExpr,
    Decorator,
    Expression,
    FuncDef,
    MemberExpr,
    NameExpr,
    RefExpr,
    StrExpr,
)
from mypy.subtypes import is_subtype
from mypy.types import CallableType, ProperType, TupleType, Type, get_proper_type

from flowplan.analyzer.file_signatures import file_signatures
from flowplan.analyzer.signature import InputSpec, ParamKind, StepSignature
from flowplan.compiler.binding import bind
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

# Keywords a step call takes besides the step's inputs (``step_name`` only when no input
# has that name: DESIGN decision 3).
CALL_KEYWORDS = ("id", "after")
ID_ALIAS = "step_name"


@dataclass(frozen=True)
class Argument:
    expr: Expression
    kind: ArgKind
    name: str | None
    type: Type


def step_function(call: CallExpr) -> FuncDef | None:
    """The decorated function a step call names directly (not a configured copy)."""
    callee = call.callee
    if isinstance(callee, RefExpr) and isinstance(callee.node, Decorator):
        return callee.node.func
    return None


def step_name(call: CallExpr) -> str:
    """The step's name as the call spells it: its function's name where mypy knows it."""
    callee = call.callee
    func = step_function(call)
    if func is not None:
        return func.name
    if isinstance(callee, NameExpr | MemberExpr):
        return callee.name
    return "step"


def _input_kind(kind: ArgKind, name: str | None) -> ParamKind:
    if kind in (ARG_NAMED, ARG_NAMED_OPT):
        return "keyword_only"
    return "positional_only" if name is None else "positional_or_keyword"


def step_inputs(sig: CallableType) -> list[InputSpec]:
    return [
        InputSpec(
            name=name or f"#{index + 1}",
            annotation=None,
            has_default=kind in (ARG_OPT, ARG_NAMED_OPT),
            default_source=None,
            kind=_input_kind(kind, name),
        )
        for index, (name, kind) in enumerate(zip(sig.arg_names, sig.arg_kinds, strict=True))
    ]


def checkable(sig: CallableType) -> bool:
    """Plain named parameters and no type variables: ``BaseStep[..., Any]`` is left alone."""
    return not sig.variables and all(
        k in (ARG_POS, ARG_OPT, ARG_NAMED, ARG_NAMED_OPT) for k in sig.arg_kinds
    )


class StepCall:
    """One step call in a pipeline body, with the types mypy inferred for its arguments."""

    def __init__(
        self, api: TypeChecker, call: CallExpr, sig: CallableType, arguments: Sequence[Argument]
    ) -> None:
        self.api = api
        self.call = call
        self.sig = sig
        self.where = (api.path, call.line, call.column + 1)
        inputs = set(n for n in sig.arg_names if n)
        reserved = set(CALL_KEYWORDS) | ({ID_ALIAS} - inputs)
        self.keywords = {a.name: a for a in arguments if a.name in reserved}
        self.arguments = [a for a in arguments if a.name not in reserved]
        custom = self.keywords.get("id") or self.keywords.get(ID_ALIAS)
        literal = custom.expr.value if custom and isinstance(custom.expr, StrExpr) else None
        self.step_id = literal or step_name(call)

    def problems(self) -> Iterator[Diagnostic]:
        """FP208/FP209/FP210 (binding), FP207 (missing inputs), FP206 (types), FP212 (ids)."""
        if any(a.kind.is_star() for a in self.arguments):
            return  # ``*args``/``**kwargs`` at the call: which input gets what is unknown
        positional = [a for a in self.arguments if a.kind == ARG_POS]
        named = [a for a in self.arguments if a.kind == ARG_NAMED]
        inputs = step_inputs(self.sig)
        binding = bind(
            self.step_id, inputs, len(positional), [a.name or "" for a in named], self.where
        )
        yield from binding.problems
        given = dict(zip(binding.positional, positional, strict=False))
        given.update({a.name: a for a in named if a.name in binding.keywords})
        missing = [
            i.name
            for i in inputs
            if not i.has_default and i.name not in given and i.name not in (a.name for a in named)
        ]
        if missing and not binding.problems:
            yield wiring.missing_inputs(self.step_id, missing, *self.where)
        formal = dict(zip(self.sig.arg_names, self.sig.arg_types, strict=True))
        for name, argument in given.items():
            expected = formal.get(name)
            if expected is not None and not self._fits(argument, expected):
                yield self._mismatch(name, argument.type, expected)
        yield from self._id_problems()

    def _fits(self, argument: Argument, expected: Type) -> bool:
        if is_subtype(argument.type, expected, options=self.api.options):
            return True
        # Inferred without context (``[]``, literals, TypedDicts): infer again against the
        # input's type, quietly, as mypy itself would have.
        with self.api.msg.filter_errors() as watcher:
            again = self.api.expr_checker.accept(argument.expr, type_context=expected)
        if watcher.has_new_errors():  # the context was forced on a value that does not fit
            return False
        return is_subtype(again, expected, options=self.api.options)

    def _mismatch(self, name: str, actual: Type, expected: Type) -> Diagnostic:
        got, want = format_type_distinctly(actual, expected, options=self.api.options)
        return wiring.argument_type_mismatch(name, self.step_id, want, got, *self.where)

    def _id_problems(self) -> Iterator[Diagnostic]:
        str_type = self.api.named_type("builtins.str")
        for key in ("id", ID_ALIAS):
            argument = self.keywords.get(key)
            if argument is not None and not is_subtype(argument.type, str_type):
                got = format_type_distinctly(argument.type, options=self.api.options)[0]
                yield wiring.id_not_a_string(step_name(self.call), key, got, *self.where)

    def unpack_problem(self, targets: int | None, returned: Type) -> Diagnostic | None:
        """FP205 when the call is unpacked into ``targets`` names (None: with a star)."""
        outputs = self._outputs(returned)
        if outputs is None:
            return None
        names, multi = outputs
        if multi and (targets is None or targets == len(names)):
            return None
        if multi and targets is not None:
            return wiring.unpacking_output_count(self.step_id, names, targets, *self.where)
        return wiring.unpacking_single_output(self.step_id, bool(names), *self.where)

    def _outputs(self, returned: Type) -> tuple[list[str], bool] | None:
        """The step's output names and whether it has several, as the analyzer decides them
        from source; without source, a fixed-length tuple type stands for several outputs."""
        signature = self._analysed()
        if signature is not None:
            return list(signature.output_names), signature.multi_output
        proper: ProperType = get_proper_type(returned)
        if isinstance(proper, TupleType):
            return [f"output_{i}" for i in range(len(proper.items))], True
        return None

    def _analysed(self) -> StepSignature | None:
        func = step_function(self.call)
        if func is None:
            return None  # e.g. a configured copy: ``fast = slow.with_options(...)``
        parts = func.fullname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.api.modules.get(".".join(parts[:cut]))
            if module is not None:
                if not module.path.endswith(".py"):
                    return None
                signatures = file_signatures(module.path)
                return None if signatures is None else signatures.signature(".".join(parts[cut:]))
        return None
