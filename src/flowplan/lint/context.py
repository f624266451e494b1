"""What the rules see of one checked file: its source and facts, and -- computed once, on
first use -- the static front end's plans and every problem a real import and compile of
its pipelines would raise."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowplan.analyzer.source import SourceFile
from flowplan.compiler.frontends.static import PipelineCheck, Program, check_pipeline
from flowplan.compiler.frontends.static.definitions import Definition, PipelineDef, StepDef
from flowplan.compiler.frontends.static.facts import ModuleFacts
from flowplan.compiler.frontends.static.interpret import StepCall
from flowplan.compiler.frontends.static.source_options import configure
from flowplan.compiler.frontends.static.values import PipelineRef
from flowplan.diagnostics import Diagnostic
from flowplan.lint.config import LintConfig

if TYPE_CHECKING:
    from flowplan.compiler.runconfig import RunConfiguration
    from flowplan.lint.launches import ProjectLaunches
    from flowplan.lint.runconfigs import RunConfigs
    from flowplan.lint.shards import Shard

_launches: dict[int, ProjectLaunches] = {}
# What a run configuration can supply: step parameters (FP207), pipeline arguments (FP213)
SUPPLIABLE = frozenset({"FP207", "FP213"})


@dataclass
class FileContext:
    source: SourceFile
    facts: ModuleFacts
    program: Program
    config: LintConfig
    templates: dict[int, Any] = field(default_factory=dict)
    check_configs: dict[int, RunConfiguration] = field(default_factory=dict)  # by id(check)
    shared: dict[str, Any] = field(default_factory=dict)  # what several rules compute alike
    shard: Shard | None = None  # the part of the module's definitions this process checks

    def pipeline_refs(self, whole: bool = False) -> Iterator[PipelineRef]:
        """The pipelines this module defines: its ``@pipeline`` defs, and module-level names
        bound to ``<pipeline>.with_options(...)`` -- those of this process's shard, unless
        ``whole``."""
        shard = None if whole else self.shard
        seen: set[int] = set()
        by_node = self.facts.by_node
        for name, bound in self.facts.bindings.items():
            if isinstance(bound, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not isinstance(by_node.get(id(bound)), PipelineDef):
                    continue  # a step or a plain function (looking it up costs, at scale)
            elif not _is_with_options(bound):
                continue
            value = self.facts.lookup(name)
            if isinstance(value, PipelineRef) and id(value) not in seen:
                seen.add(id(value))
                if shard is None or id(value.definition) in self._own_definitions:
                    yield value

    @cached_property
    def definitions(self) -> list[Definition]:
        """The module's definitions this process checks: those of its shard, else all."""
        if self.shard is None:
            return self.facts.definitions
        return self.shard.definitions(self.facts)

    @cached_property
    def _own_definitions(self) -> set[int]:
        return {id(d) for d in self.definitions}

    @cached_property
    def steps(self) -> list[StepDef]:
        """The module's steps whose definitions this process checks."""
        if self.shard is None:
            return self.facts.steps
        return [d for d in self.definitions if isinstance(d, StepDef)]

    @cached_property
    def run_configs(self) -> RunConfigs:
        from flowplan.lint.runconfigs import RunConfigs  # YAML and its models: only when used

        return RunConfigs(self.program, self.config.root)

    @cached_property
    def launches(self) -> ProjectLaunches:
        """How the project runs its pipelines (shared by the checks of one process)."""
        from flowplan.lint.launches import ProjectLaunches

        found = _launches.get(id(self.program))
        if found is None or found.program is not self.program:
            _launches.clear()
            found = _launches[id(self.program)] = ProjectLaunches(self.program, self.config.root)
        return found

    @cached_property
    def pipeline_checks(self) -> list[PipelineCheck]:
        """Each pipeline (of this process's shard) checked once per run configuration it is
        run with: its own ``config_path``, else those its launches name anywhere in the
        project."""
        return self._checks_of(self.pipeline_refs())

    @cached_property
    def all_pipeline_checks(self) -> list[PipelineCheck]:
        """:attr:`pipeline_checks` of every pipeline of the module, whatever the shard."""
        if self.shard is None:
            return self.pipeline_checks
        mine = {id(ref) for ref in self.pipeline_refs()}
        return [*self.pipeline_checks, *self._checks_of(
            ref for ref in self.pipeline_refs(whole=True) if id(ref) not in mine)]

    def _checks_of(self, refs: Iterable[PipelineRef]) -> list[PipelineCheck]:
        checks = []
        for ref in refs:
            options = configure(ref.definition, [dict(ref.options)] if ref.options else [])
            launches = self.launches.of(ref)
            if options.config_path:
                configs: list[str | None] = [options.config_path]
            else:
                configs = [str(p) for p in launches.configs] or [None]
            guessed = []
            for config_path in configs:
                exact = config_path is None or Path(config_path) not in launches.matched
                unknown = config_path is None and launches.unknown_config
                checks.append(self._check(ref, config_path, exact, unknown))
                if not exact:
                    guessed.append(checks[-1])
            _common_to(guessed)
        return checks

    def _check(self, ref: PipelineRef, config_path: str | None, exact: bool,
               unknown_config: bool = False) -> PipelineCheck:
        """One pipeline with one run configuration; a configuration matched by a partial
        path is used for what it sets, but not judged against this pipeline (FP006/FP007):
        the match is a guess.  With ``unknown_config`` the pipeline is launched with a
        configuration known only at run time (``config_path=args.config``)."""
        loaded = self.run_configs.load(config_path, ref) if config_path else None
        if loaded is not None and loaded.config is not None:
            ref = self.run_configs.applied(ref, loaded.config)
        parameters = None
        if loaded is not None and loaded.config is not None:
            from flowplan.lint.runconfigs import pipeline_parameter_names

            known = pipeline_parameter_names(ref)
            parameters = {k: v for k, v in loaded.config.parameters.items() if k in known}
        steps = None
        if loaded is not None and loaded.config is not None:
            steps = {step_id: dict(step.parameters)
                     for step_id, step in loaded.config.steps.items() if step.parameters}
        check = check_pipeline(ref, parameters, self.templates, steps)
        if unknown_config or (loaded is not None and loaded.config is None):
            # A configuration that may supply missing parameters is unknown, or cannot be
            # read (its own problem, FP003, FP009, ..., is reported): what it might have
            # supplied is not reported missing.
            check.diagnostics = [d for d in check.diagnostics if d.code not in SUPPLIABLE]
        if loaded is not None:
            check.diagnostics += loaded.problems
            if loaded.config is not None:
                self.check_configs[id(check)] = loaded.config
                if exact:
                    check.diagnostics += self.run_configs.against(loaded.config, check)
        return check

    @cached_property
    def step_calls(self) -> list[StepCall]:
        return [c for check in self.pipeline_checks for t in check.traces for c in t.step_calls]

    @cached_property
    def found(self) -> list[Diagnostic]:
        """Every problem of the front end: definitions, pipelines, configurations."""
        from flowplan.lint.definitions import definition_problems

        found = definition_problems(self.definitions, self.config.enforce_annotations)
        for check in self.pipeline_checks:
            found += check.diagnostics
        # Last: reading the definitions may add to the module's problems (a signature that
        # only libcst can read, in a file it cannot parse), whichever shard reads it.
        return [*self.facts.problems, *found]

    def reported(self, codes: Iterable[str]) -> list[Diagnostic]:
        wanted = set(codes)
        return [d for d in self.found if d.code in wanted]


def _common_to(guessed: list[PipelineCheck]) -> None:
    """A pipeline launched with one of several run configurations, each matched by a partial
    path (a guess): its problems in Python code are those found whichever configuration the
    launch uses; the configurations' own problems (in their files) all stand."""
    if len(guessed) < 2:
        return
    common = set.intersection(*(set(check.diagnostics) for check in guessed))
    for check in guessed:
        check.diagnostics = [d for d in check.diagnostics
                             if d in common or not (d.path or "").endswith(".py")]


def _is_with_options(node: object) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("with_options", "configure")
    )


def front_end(*codes: str) -> Any:
    """A rule's check that reports the front end's problems with ``codes``."""

    def check(ctx: FileContext) -> list[Diagnostic]:
        return ctx.reported(codes)

    check.__name__ = f"front_end_{'_'.join(codes)}"
    return check
