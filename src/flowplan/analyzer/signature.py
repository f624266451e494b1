"""What the analyzer learns about a step from its source: the ``StepSignature``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from flowplan.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    import ast

ParamKind = Literal["positional_only", "positional_or_keyword", "keyword_only"]

# The classes below are values: never changed once made (``dataclasses.replace`` makes a
# changed copy), hashed by their fields.  Not ``frozen``: a frozen dataclass pays a call of
# ``object.__setattr__`` per field on every construction, and ``flow check`` makes one of
# each per step it reads.


@dataclass(unsafe_hash=True)
class InputSpec:
    """One step input, as written in the ``def``."""

    name: str
    annotation: str | None  # source text of the annotation; None when missing
    has_default: bool
    default_source: str | None  # source text of the default value, if any
    kind: ParamKind = "positional_or_keyword"


@dataclass(unsafe_hash=True)
class OutputSpec:
    """One step output: its name and the source text of its type (``Annotated`` stripped).

    ``name_expression`` is the source of a name written as an expression (``Names.MODEL``),
    which the front ends fold into ``name``; until then ``name`` is the default name."""

    name: str
    annotation: str | None
    name_expression: str | None = None


@dataclass(unsafe_hash=True)
class StepSignature:
    """Inputs, outputs (decided by DESIGN decisions 1-2) and the code hash of one step."""

    name: str
    qualname: str
    path: str | None
    line: int | None
    column: int | None
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    multi_output: bool
    return_annotation: str | None
    code_hash: str
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)
    # Names of inputs lacking an annotation, and whether the return lacks one; the
    # FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS check is applied on top of this when a step is used.
    missing_annotations: tuple[str, ...] = field(default_factory=tuple)
    source_available: bool = True
    # (line, column) of each entry of ``missing_annotations``, in the same order: the parameter,
    # or the def's name for "return".  Empty when the source is unavailable.
    missing_annotation_sites: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    @cached_property
    def output_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs)

    @cached_property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "qualname": self.qualname,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "inputs": [vars(i).copy() for i in self.inputs],
            "outputs": [vars(o).copy() for o in self.outputs],
            "multi_output": self.multi_output,
            "return_annotation": self.return_annotation,
            "code_hash": self.code_hash,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "missing_annotations": list(self.missing_annotations),
            "source_available": self.source_available,
            "missing_annotation_sites": [list(s) for s in self.missing_annotation_sites],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepSignature:
        diags = []
        for d in data["diagnostics"]:
            d = dict(d)
            d["severity"] = Severity(d["severity"])
            d["notes"] = tuple(d.get("notes", ()))
            diags.append(Diagnostic(**d))
        return cls(
            name=data["name"],
            qualname=data["qualname"],
            path=data["path"],
            line=data["line"],
            column=data["column"],
            inputs=tuple(InputSpec(**i) for i in data["inputs"]),
            outputs=tuple(OutputSpec(**o) for o in data["outputs"]),
            multi_output=data["multi_output"],
            return_annotation=data["return_annotation"],
            code_hash=data["code_hash"],
            diagnostics=tuple(diags),
            missing_annotations=tuple(data["missing_annotations"]),
            source_available=data["source_available"],
            missing_annotation_sites=tuple(
                (int(s[0]), int(s[1])) for s in data.get("missing_annotation_sites", ())
            ),
        )


def signature_of_def(
    path: str,
    qualname: str,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    inputs: Sequence[InputSpec],
    column: Callable[[int, int], int],
    name_site: Callable[[], tuple[int, int]],
    *,
    outputs: tuple[OutputSpec, ...],
    multi_output: bool,
    return_annotation: str | None,
    returns_value: bool,
    code_hash: str = "",
    diagnostics: tuple[Diagnostic, ...] = (),
) -> StepSignature:
    """The one builder of a ``StepSignature`` from a ``def`` (the ast fast path and libcst's
    reading both end here): where it is, which annotations are missing and where.

    ``column`` turns an ``ast`` offset into a column; ``name_site()`` is where the def's name
    is (a missing return annotation is reported there)."""
    missing = []
    if None in [i.annotation for i in inputs]:
        args = node.args
        arg_sites = {
            a.arg: (a.lineno, column(a.lineno, a.col_offset))
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
        }
        missing = [(i.name, arg_sites[i.name]) for i in inputs if i.annotation is None]
    if node.returns is None and returns_value:
        missing.append(("return", name_site()))
    return StepSignature(
        name=node.name,
        qualname=qualname,
        path=path,
        line=node.decorator_list[0].lineno if node.decorator_list else node.lineno,
        column=column(node.lineno, node.col_offset),
        inputs=tuple(inputs),
        outputs=outputs,
        multi_output=multi_output,
        return_annotation=return_annotation,
        code_hash=code_hash,
        diagnostics=diagnostics,
        missing_annotations=tuple([name for name, _ in missing]) if missing else (),
        missing_annotation_sites=tuple([site for _, site in missing]) if missing else (),
    )
