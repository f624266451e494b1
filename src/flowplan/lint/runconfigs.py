"""Run configuration files (``config_path=`` literals, and YAML files named on the command
line) checked against the pipelines they configure, with :mod:`flowplan.compiler.runconfig`:
FP003/FP004/FP005 from loading the file, FP006/FP007 from comparing it with the static plans.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from flowplan.compiler.frontends.static import PipelineCheck, Program
from flowplan.compiler.frontends.static.source_options import configure
from flowplan.compiler.frontends.static.values import PipelineRef
from flowplan.compiler.runconfig import RunConfiguration, check_against_plan, load_run_config
from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.messages import files

RUN_CONFIG_KEYS = frozenset(RunConfiguration.model_fields)


@dataclass
class Loaded:
    path: Path | None
    config: RunConfiguration | None
    problems: list[Diagnostic] = field(default_factory=list)


def candidates(text: str, python_file: Path, root: Path) -> list[Path]:
    """Where a relative ``config_path`` may point: runs resolve it against their working
    directory, which is usually the project root or the pipeline's folder."""
    given = Path(text)
    if given.is_absolute():
        return [given]
    return [python_file.parent / given, root / given, Path.cwd() / given]


class RunConfigs:
    """Run configurations read for one check (each file loaded once)."""

    def __init__(self, program: Program, root: Path) -> None:
        self.program = program
        self.root = root
        self._loaded: dict[tuple[Path, bool], Loaded] = {}

    def locate(self, text: str, python_file: Path) -> Path | None:
        for candidate in candidates(text, python_file, self.root):
            if candidate.is_file():
                return candidate.resolve()
        return None

    def load(self, text: str, ref: PipelineRef) -> Loaded:
        path, line = ref.definition.location
        found = self.locate(text, Path(path))
        if found is None:
            return Loaded(None, None, [files.missing_named_run_config(text, path, line)])
        lenient = ref.definition.spelling == "zenml"  # ZenML's own keys are valid there
        key = (found, lenient)
        if key not in self._loaded:
            self.program.read_text(found)  # the check depends on the file's content
            try:
                self._loaded[key] = Loaded(found, load_run_config(found, lenient=lenient))
            except ConfigError as exc:
                self._loaded[key] = Loaded(found, None, list(exc.diagnostics))
        return self._loaded[key]

    def applied(self, ref: PipelineRef, config: RunConfiguration) -> PipelineRef:
        """``ref`` with the pipeline-level keys of ``config``, as a run applies them."""
        from flowplan.compiler.runconfig import pipeline_options

        options = pipeline_options(config)
        if "settings" in options:
            current = configure(ref.definition, [dict(ref.options)]).settings
            orchestrator = dict(current.get("orchestrator") or {})
            options["settings"] = {
                "orchestrator": {**orchestrator, **options["settings"]["orchestrator"]}
            }
        return PipelineRef(ref.definition, (*ref.options, *options.items()))

    def against(self, config: RunConfiguration, check: PipelineCheck) -> list[Diagnostic]:
        """FP006/FP007: step ids and parameters the configuration names but no pass has."""
        ids = {inv.id for plan in check.plans for inv in plan.invocations}
        step_params: dict[str, set[str]] = {}
        for plan in check.plans:
            for inv in plan.invocations:
                step_params.setdefault(inv.id, set()).update(d.name for d in inv.input_defs)
        names = pipeline_parameter_names(check.pipeline)
        return check_against_plan(config, sorted(ids), step_params, names,
                                  pipeline=check.options.name)


def pipeline_parameter_names(ref: PipelineRef) -> list[str]:
    node = ref.definition.node
    if isinstance(node, ast.ClassDef):
        return []
    return [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
