"""What every invocation of one configured step shares, read from source: its inputs and
outputs with their types, its configuration -- the static counterpart of
:func:`flowplan.compiler.invocation.step_template`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowplan.analyzer.annotations import annotation_object
from flowplan.compiler.frontends.static.definitions import StepDef
from flowplan.compiler.frontends.static.facts import ModuleFacts
from flowplan.compiler.frontends.static.source_options import Options, configure
from flowplan.compiler.frontends.static.values import StepRef
from flowplan.compiler.plan import InputDef, OutputDef, StepConfig, StepSource, TypeExpr
from flowplan.compiler.types import type_expr_from_source
from flowplan.diagnostics import Diagnostic
from flowplan.messages import definitions


@dataclass
class StepTemplate:
    definition: StepDef
    options: Options
    source: StepSource
    input_defs: list[InputDef]
    outputs: list[tuple[str, TypeExpr | None, str | None, bool]]  # name, type, materializer, custom
    config: StepConfig
    problems: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Annotation objects of the inputs, where the standard library can build them.
        self.hints = InputHints(self.definition)

    def output_defs(self, pipeline: str, inv_id: str) -> list[OutputDef]:
        return [
            OutputDef(
                name=name,
                type=tp,
                artifact_name=name if custom else f"{pipeline}::{inv_id}::{name}",
                materializer=materializer,
            )
            for name, tp, materializer, custom in self.outputs
        ]


class InputHints:
    """A step's input hints, each built when a parameter value of that input needs it."""

    def __init__(self, definition: StepDef) -> None:
        self.definition = definition

    def get(self, name: str) -> object:
        for spec in self.definition.signature.inputs:
            if spec.name == name:
                return hint(spec.annotation, self.definition.facts)
        return None


def hint(text: str | None, facts: ModuleFacts) -> Any:
    """The annotation ``text`` of a module as an object, where that is safe (once per text)."""
    if text is None:
        return None
    if text not in facts.hints:
        facts.hints[text] = annotation_object(text, facts.type_names)
    return facts.hints[text]


def _type(text: str | None, facts: ModuleFacts) -> TypeExpr | None:
    """The annotation ``text`` of a module as a TypeExpr (each text parsed once per module)."""
    if text is None:
        return None
    found = facts.types.get(text)
    if found is None:
        found = facts.types[text] = type_expr_from_source(text, facts.type_names)
    return found


def step_template(ref: StepRef) -> StepTemplate:
    """The template of ``ref`` (its definition with every batch of options applied)."""
    defn = ref.definition
    if not ref.options and isinstance(defn.template, StepTemplate):
        return defn.template
    template = _template(ref)
    if not ref.options:
        defn.template = template
    return template

_SHAPE_CODES = frozenset({"FP102", "FP103", "FP104", "FP105", "FP106"})


def _template(ref: StepRef) -> StepTemplate:
    defn = ref.definition
    options = configure(defn, [dict(ref.options)] if ref.options else [])
    sig = defn.signature
    facts = defn.facts
    materializers = dict(options.materializers) if options.materializers else {}
    default = materializers.pop("*", None)
    outputs = []
    for out in sig.outputs:
        custom = out.name != "output" and not out.name.startswith("output_")
        chosen = materializers.pop(out.name, default) if materializers else default
        outputs.append((out.name, _type(out.annotation, facts), chosen, custom))
    path, line = defn.location
    problems = []
    if materializers:
        # Outputs not yet known -- a name folded from nothing known, or a shape the analyzer
        # reported (FP102-FP106) -- leave materializer names unjudged: no knock-on FP112.
        undecided = any(o.name_expression for o in sig.outputs) or any(
            d.code in _SHAPE_CODES for d in sig.diagnostics)
        problems = [] if undecided else [
            definitions.unknown_materialized_output(options.name, name, sig.output_names,
                                                    path, line)
            for name in materializers
        ]
    return StepTemplate(
        definition=defn,
        options=options,
        source=StepSource(module=defn.facts.source.module, qualname=defn.qualname, path=path,
                          line=line),
        input_defs=[
            InputDef(name=i.name, type=_type(i.annotation, facts), required=not i.has_default)
            for i in sig.inputs
        ],
        outputs=outputs,
        config=StepConfig(
            enable_cache=options.enable_cache,
            retry=options.retry,
            on_success=options.hooks.get("on_success"),
            on_failure=options.hooks.get("on_failure"),
            settings=dict(options.settings),
            extra=dict(options.extra),
        ),
        problems=problems,
    )
