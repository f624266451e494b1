"""The validator: every invariant of a Plan is a small named check; all problems are collected.

Both front ends feed it, so ``flow check`` and a real run report a problem with the same code
and message.  A clean verdict is cached on disk by the plan's fingerprint, so a warm run of an
unchanged pipeline does not import networkx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    Invocation,
    Plan,
    TypeExpr,
)
from flowplan.compiler.run_names import (
    SAMPLE_VALUES,
    STANDARD_PLACEHOLDERS,
    run_name_problem,
)
from flowplan.compiler.types import describe_mismatch, is_compatible
from flowplan.config.retry_config import retry_problems
from flowplan.diagnostics import Diagnostic
from flowplan.enums import ExecutionMode
from flowplan.messages import closest, settings, wiring

Check = Callable[[Plan], Iterable[Diagnostic]]


def _at(inv: Invocation) -> wiring.At:
    return {"path": inv.location.path, "line": inv.location.line, "column": inv.location.column}


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = closest(name, candidates)
    return f"did you mean `{close}`?" if close else ""


def check_unique_ids(plan: Plan) -> Iterable[Diagnostic]:
    seen: set[str] = set()
    for inv in plan.invocations:
        if inv.id in seen:
            yield wiring.duplicate_id(inv.id, plan.pipeline, **_at(inv))
        seen.add(inv.id)


def check_references(plan: Plan) -> Iterable[Diagnostic]:
    by_id = {inv.id: inv for inv in plan.invocations}
    for inv in plan.invocations:
        for dep in inv.after:
            if dep not in by_id:
                hint = _suggest(dep, by_id) or "after= takes ids of step calls in this pipeline"
                yield wiring.unknown_after(inv.id, dep, plan.pipeline, hint, _at(inv))
        if not inv.inputs:
            continue
        for name, ref in _artifact_inputs(inv):
            producer = by_id.get(ref.step)
            if producer is None or producer.output(ref.output) is None:
                yield wiring.unknown_artifact(inv.id, name, f"{ref.step}.{ref.output}",
                                              _suggest(ref.step, by_id) or None, _at(inv))


def _artifact_inputs(inv: Invocation) -> list[tuple[str, ArtifactRef]]:
    found = []
    for name, value in inv.inputs.items():
        if isinstance(value, ArtifactRef):
            found.append((name, value))
        elif isinstance(value, ArtifactListInput):
            found += [(name, item) for item in value.items]
    return found


def check_acyclic(plan: Plan) -> Iterable[Diagnostic]:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(plan.ids())
    graph.add_edges_from(plan.edges())
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    around = [str(u) for u, _ in cycle] + [str(cycle[0][0])]
    inv = plan.invocation(cycle[-1][0]) if cycle[-1][0] in plan.ids() else plan.invocations[0]
    yield wiring.cycle(plan.pipeline, around, _at(inv))


def check_inputs(plan: Plan) -> Iterable[Diagnostic]:
    for inv in plan.invocations:
        given = inv.inputs
        if len(given) == len(inv.input_defs) and all(
            d.name in given for d in inv.input_defs
        ):
            continue  # every input given, and nothing else
        defined = {d.name: d for d in inv.input_defs}
        for name in inv.inputs:
            if name not in defined:
                yield wiring.unknown_input(inv.id, name, defined, **_at(inv), list_known=False)
        missing = [d.name for d in inv.input_defs if d.required and d.name not in inv.inputs]
        if missing:
            yield wiring.missing_inputs(inv.id, missing, **_at(inv))


def check_edge_types(plan: Plan) -> Iterable[Diagnostic]:
    by_id = {inv.id: inv for inv in plan.invocations}
    for inv in plan.invocations:
        artifacts = _artifact_inputs(inv) if inv.inputs else []
        if not artifacts:
            continue
        defined = {d.name: d for d in inv.input_defs}
        for name, ref in artifacts:
            producer = by_id.get(ref.step)
            out = producer.output(ref.output) if producer else None
            target = defined.get(name)
            if out is None or target is None:
                continue
            consumer_type = target.type
            if isinstance(inv.inputs[name], ArtifactListInput):
                consumer_type = _element_type(consumer_type)
            if not is_compatible(out.type, consumer_type):
                yield wiring.artifact_type_mismatch(
                    name, inv.id, f"{ref.step}.{ref.output}",
                    describe_mismatch(out.type, consumer_type), **_at(inv),
                )


def _element_type(tp: TypeExpr | None) -> TypeExpr | None:
    """The element type of a list-like consumer annotation fed by a list of artifacts."""
    from flowplan.compiler.plan import TypeExpr

    if (
        isinstance(tp, TypeExpr)
        and tp.args
        and tp.name.rsplit(".", 1)[-1]
        in {"list", "List", "Sequence", "Iterable", "Collection", "tuple"}
    ):
        return tp.args[0]
    return None


def _unknown_placeholders(template: str, allowed: set[str]) -> tuple[list[str], str | None]:
    """The placeholders of ``template`` that are not ``allowed``, or why it is malformed."""
    import string  # only for a pipeline with a run name template

    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        return [], str(exc)
    return [name for name in fields if name not in allowed], None


def check_run_name(plan: Plan) -> Iterable[Diagnostic]:
    template = plan.config.run_name
    if not template:
        return
    allowed = set(STANDARD_PLACEHOLDERS) | set(plan.config.substitutions)
    path, line = plan.source.path, plan.source.line
    unknown, malformed = _unknown_placeholders(template, allowed)
    if malformed is not None:
        yield settings.malformed_run_name(template, plan.pipeline, malformed, path, line)
        return
    for name in unknown:
        yield settings.unknown_placeholder(template, plan.pipeline, name, sorted(allowed),
                                           path, line)
    import string

    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    if unknown or any(not f.isidentifier() for f in fields):
        return
    try:
        filled = template.format(**{**SAMPLE_VALUES, **plan.config.substitutions})
    except (ValueError, KeyError, IndexError):  # a format spec that strings refuse
        return
    problem = run_name_problem(filled)
    if problem is not None:
        yield settings.invalid_run_name(filled, problem, plan.pipeline, path, line)


def check_artifact_names(plan: Plan) -> Iterable[Diagnostic]:
    """Custom output names are filled in like run names when a step stores them."""
    allowed = set(STANDARD_PLACEHOLDERS) | set(plan.config.substitutions)
    for inv in plan.invocations:
        for out in inv.outputs:
            if "{" not in out.artifact_name and "}" not in out.artifact_name:
                continue
            unknown, malformed = _unknown_placeholders(out.artifact_name, allowed)
            what = f"output name {out.artifact_name!r} of step `{inv.id}`"
            if malformed is not None:
                yield settings.malformed_artifact_name(what, malformed, _at(inv))
            for name in unknown:
                yield settings.unknown_artifact_placeholder(what, name, sorted(allowed),
                                                            _at(inv))


_MODES = frozenset(m.value for m in ExecutionMode)


def check_execution_mode(plan: Plan) -> Iterable[Diagnostic]:
    if plan.config.execution_mode not in _MODES:
        yield settings.unknown_execution_mode(
            plan.pipeline, plan.config.execution_mode, plan.source.path, plan.source.line
        )


def check_retries(plan: Plan) -> Iterable[Diagnostic]:
    for inv in plan.invocations:
        retry = inv.config.retry
        if retry is not None:
            for problem in retry_problems(retry.max_retries, retry.delay, retry.backoff):
                yield problem.with_location(inv.source.path, inv.source.line, None)


def check_settings(plan: Plan) -> Iterable[Diagnostic]:
    from flowplan.compiler.settings import settings_problems

    yield from settings_problems(
        plan.config.settings, f"pipeline `{plan.pipeline}`", (plan.source.path, plan.source.line)
    )
    for inv in plan.invocations:
        if not inv.config.settings:
            continue  # nothing to check (most steps)
        yield from settings_problems(
            inv.config.settings,
            f"step `{inv.id}`",
            (inv.source.path, inv.source.line),
            step=True,
        )


CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_references,
    check_inputs,
    check_edge_types,
    check_run_name,
    check_artifact_names,
    check_execution_mode,
    check_retries,
    check_settings,
)


def validate(
    plan: Plan, *, use_cache: bool = True, fingerprint: str | None = None
) -> list[Diagnostic]:
    """Every problem of ``plan`` (errors and warnings), sorted by location; ``fingerprint``
    is the plan's, when the caller has it already."""
    from flowplan.compiler.verdict_cache import load_verdict, store_verdict

    if use_cache and fingerprint is None:
        fingerprint = plan.fingerprint()
    elif not use_cache:
        fingerprint = None
    if fingerprint is not None:
        cached = load_verdict(fingerprint)
        if cached is not None:
            return cached
    problems: list[Diagnostic] = []
    for check in CHECKS:
        problems.extend(check(plan))
    if not any(d.code in ("FP202", "FP218") for d in problems):
        problems.extend(check_acyclic(plan))
    problems.sort(key=Diagnostic.sort_key)
    if fingerprint is not None:
        store_verdict(fingerprint, problems)
    return problems
