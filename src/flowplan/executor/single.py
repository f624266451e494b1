"""A step called outside any pipeline runs as an unlisted one-step run (DESIGN decision 10).

Its arguments are stored as artifacts first (they need not be JSON), so the run is complete
and its step can be cached like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowplan.compiler.pipeline import CompiledPipeline, Pipeline
from flowplan.compiler.plan import ArtifactRef, Invocation, Plan, StepSource, stored_artifact
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.compiler.step import BaseStep
    from flowplan.diagnostics import Diagnostic


def run_single_step(step: BaseStep, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    from flowplan.compiler.invocation import build_invocation
    from flowplan.executor.errors import RunFailedError
    from flowplan.executor.run import drive, start_run
    from flowplan.store.local import LocalStore
    from flowplan.store.views import PipelineRun

    path, line = step.location
    values = _bound_values(step, args, kwargs)
    pipeline_name = f"{step.name}_single_step"
    invocation, _ = build_invocation(step, step.name, pipeline_name, {}, [], (path, line, None))
    missing = [d.name for d in invocation.input_defs if d.required and d.name not in values]
    if missing:
        from flowplan.diagnostics import CompileError

        raise CompileError(
            wiring.missing_inputs(step.name, missing, path, line)
        )
    store = LocalStore.open()
    compiled = _one_step_pipeline(step, invocation, pipeline_name)
    state = start_run(compiled, store, unlisted=True)
    for name, value in values.items():
        stored = stored_artifact(value)
        if stored is not None:  # an artifact version of an earlier run: its record is the input
            record = store.metadata.get_artifact(stored.artifact_id)
        else:
            record, _ = store.write_artifact(
                f"{pipeline_name}::input::{name}", value, _annotation(step, name)
            )
        producer = f"<input {name}>"
        state.produced[producer] = {"output": record}
        invocation.inputs[name] = ArtifactRef(step=producer, output="output")
    drive(compiled, store, state)
    if state.failures:
        run = PipelineRun(store.metadata.get_run(state.run_id), store)
        raise RunFailedError(run, state.failures)
    outputs = state.values.get(step.name)
    if outputs is None:  # the step ran in a worker process: read its outputs back
        produced = state.produced.get(step.name, {})
        outputs = [store.load_artifact(produced[o.name]) for o in invocation.outputs]
    if not outputs:
        return None
    return tuple(outputs) if step.signature.multi_output else outputs[0]


def _bound_values(step: BaseStep, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by input name (binding problems raise ``CompileError``)."""
    from flowplan.compiler.binding import bind
    from flowplan.compiler.frontends.trace import configured_parameters
    from flowplan.diagnostics import CompileError

    path, line = step.location
    problems: list[Diagnostic] = []
    kwargs = configured_parameters(step, step.name, args, kwargs, (path, line, None), problems)
    binding = bind(step.name, step.signature.inputs, len(args), list(kwargs), (path, line, None))
    if problems or binding.problems:
        raise CompileError(problems + binding.problems)
    values = dict(zip(binding.positional, args, strict=False))
    values.update({k: kwargs[k] for k in binding.keywords})
    return values


def _one_step_pipeline(step: BaseStep, invocation: Invocation, name: str) -> CompiledPipeline:
    path, line = step.location
    plan = Plan(
        pipeline=name,
        source=StepSource(
            module=step.entrypoint.__module__ or "__main__",
            qualname=step.entrypoint.__qualname__,
            path=path,
            line=line,
        ),
        invocations=[invocation],
    )
    return CompiledPipeline(plan=plan, steps={step.name: step}, pipeline=Pipeline(step.entrypoint))


def _annotation(step: BaseStep, name: str) -> Any:
    from flowplan.compiler.typeforms import type_hints

    return type_hints(step.entrypoint).get(name)
