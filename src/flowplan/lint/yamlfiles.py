"""YAML files that are run configurations (DESIGN decision 18): those that code names
(``config_path="..."``) and those the ``run-configs`` globs of ``[tool.flowplan]`` match.
Any other YAML file -- a CI workflow, a Hydra config, a Kubernetes manifest -- is not ours
and is left alone; named on the command line, it gets a note saying why it is not checked.

A run configuration is checked against every pipeline of the project whose ``config_path``
names it -- the pipelines are read from their Python files, which is how a changed YAML file
is checked even when its pipeline's file did not change.  A file that only a glob makes a
run configuration is checked on its own (syntax, keys, values and alias bounds).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flowplan.analyzer.spellings import mentions_model
from flowplan.compiler.frontends.static.program import Program
from flowplan.compiler.runconfig import load_run_config
from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.lint.checker import check_file
from flowplan.lint.config import LintConfig
from flowplan.lint.files import is_run_config, python_files
from flowplan.lint.results import FileResult


def check_yaml_files(paths: Sequence[Path], config: LintConfig) -> list[FileResult]:
    """One result per run configuration among ``paths``; the other files get none."""
    wanted = {str(p.resolve()) for p in paths}
    found: dict[str, list[Diagnostic]] = {path: [] for path in wanted}
    referenced = _referenced(wanted, config, found)
    for path in sorted(wanted - referenced):
        if is_run_config(Path(path), config):
            found[path] = _standalone(Path(path))
        else:
            del found[path]  # not a run configuration: not ours
    return [FileResult(path, list(dict.fromkeys(diags))) for path, diags in found.items()]


def _referenced(wanted: set[str], config: LintConfig,
                found: dict[str, list[Diagnostic]]) -> set[str]:
    """The files of ``wanted`` that a pipeline's ``config_path`` names; their problems (as
    found against those pipelines) go into ``found``."""
    names = {Path(p).name.encode() for p in wanted}
    program = Program([config.root])
    referenced: set[str] = set()
    for py in python_files(config.root, config):
        try:
            data = py.read_bytes()
        except OSError:
            continue
        if b"config_path" not in data or not mentions_model(data):
            continue
        if not any(name in data for name in names):
            continue
        result = check_file(py, data, program, config)
        referenced.update(set(result.depends) & wanted)
        for d in result.diagnostics:
            if d.path in found:
                found[d.path].append(d)
        program.trim()
    return referenced


def _standalone(path: Path) -> list[Diagnostic]:
    try:
        load_run_config(path)
    except ConfigError as exc:
        return list(exc.diagnostics)
    return []
