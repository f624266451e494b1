"""Applying a run configuration (YAML ``config_path=`` or a mapping) to a pipeline.

Pipeline-level keys become options of a copy of the pipeline before tracing; ``steps.<id>``
keys are applied to the traced invocations.  An unknown step id or parameter is a diagnostic
(FP006/FP007), never silently ignored (DESIGN decision 16).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowplan.compiler.invocation import step_template
from flowplan.compiler.params import to_parameter
from flowplan.compiler.plan import ParameterInput
from flowplan.compiler.runconfig import RunConfiguration, check_against_plan, pipeline_options
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.messages.settings import parameter_conflict

if TYPE_CHECKING:
    from flowplan.compiler.frontends.trace import Tracer
    from flowplan.compiler.pipeline_definition import PipelineDefinition


def configured(pipe: PipelineDefinition, config: RunConfiguration) -> PipelineDefinition:
    options = pipeline_options(config)
    if "settings" in options:
        current = dict(pipe.settings.get("orchestrator") or {})
        options["settings"] = {"orchestrator": {**current, **options["settings"]["orchestrator"]}}
    return pipe.with_options(**options) if options else pipe


def pipeline_parameters(
    pipe: PipelineDefinition, config: RunConfiguration, params: Mapping[str, Any]
) -> dict[str, Any]:
    """Parameters from the configuration (those the pipeline takes; the others are reported
    by ``check_config``), overridden by those passed in the call."""
    known = inspect.signature(pipe.entrypoint).parameters
    return {**{k: v for k, v in config.parameters.items() if k in known}, **params}


def check_config(
    pipe: PipelineDefinition, config: RunConfiguration, tracer: Tracer
) -> list[Diagnostic]:
    """FP006/FP007 for configured step ids and parameters the traced pipeline lacks."""
    step_params = {inv.id: [d.name for d in inv.input_defs] for inv in tracer.invocations}
    known = list(inspect.signature(pipe.entrypoint).parameters)
    return check_against_plan(
        config, [i.id for i in tracer.invocations], step_params, known, pipeline=pipe.name
    )


def apply_step_overrides(config: RunConfiguration, tracer: Tracer) -> None:
    """Apply ``steps.<id>`` keys to the traced invocations and their step objects."""
    problems: list[Diagnostic] = []
    for index, inv in enumerate(tracer.invocations):
        override = config.steps.get(inv.id)
        if override is None:
            continue
        step = tracer.steps[inv.id]
        options: dict[str, Any] = {}
        for key in ("enable_cache", "on_success", "on_failure"):
            value = getattr(override, key)
            if value is not None:
                options[key] = value
        if override.retry is not None:
            options["retry"] = override.retry.model_dump()
        if override.settings:
            options["settings"] = dict(override.settings)
        if override.extra:
            options["extra"] = dict(override.extra)
        if options:
            step = step.with_options(**options)
            tracer.steps[inv.id] = step
        inputs = dict(inv.inputs)
        hints = step.type_hints
        for name, value in override.parameters.items():
            where = (
                config.source,
                *(config.position("steps", inv.id, "parameters", name) or (None, None)),
            )
            json_value, bad = to_parameter(value, hints.get(name), f"step `{inv.id}`", name, where)
            problems += bad
            given = inputs.get(name)
            if given is not None and not (
                isinstance(given, ParameterInput) and given.value == json_value
            ):
                in_code = given.value if isinstance(given, ParameterInput) else "an artifact"
                problems.append(
                    parameter_conflict(
                        f"step `{inv.id}`",
                        name,
                        value,
                        in_code,
                        (where[0], where[1]),
                        configured_in=f"the run configuration ({config.source})",
                    )
                )
                continue
            inputs[name] = ParameterInput(value=json_value)
        template_config = step_template(step).config
        config_update = dataclasses.replace(template_config, cacheable=inv.config.cacheable)
        tracer.invocations[index] = dataclasses.replace(inv, inputs=inputs, config=config_update)
    if problems:
        raise CompileError(problems)
