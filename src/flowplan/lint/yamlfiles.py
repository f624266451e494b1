"""YAML files named on the command line (``flow check run.yaml``, or by pre-commit).

A run configuration is checked against every pipeline of the project whose ``config_path``
names it -- the pipelines are read from their Python files, which is how a changed YAML file
is checked even when its pipeline's file did not change.  A YAML file no pipeline names is
checked on its own when it looks like a run configuration (a top-level key such as `steps`
or `parameters`), and otherwise left alone: CI workflows and other tools' configs are not
flowplan's business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from flowplan.analyzer.spellings import mentions_model
from flowplan.compiler.frontends.static.program import Program
from flowplan.compiler.runconfig import load_run_config
from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.lint.checker import check_file
from flowplan.lint.config import LintConfig
from flowplan.lint.files import python_files
from flowplan.lint.results import FileResult
from flowplan.lint.runconfigs import RUN_CONFIG_KEYS

_TOP_KEY = re.compile(rf"^({'|'.join(sorted(RUN_CONFIG_KEYS))})\s*:", re.MULTILINE)


def looks_like_run_config(text: str) -> bool:
    return _TOP_KEY.search(text) is not None


def check_yaml_files(paths: Sequence[Path], config: LintConfig) -> list[FileResult]:
    wanted = {str(p.resolve()) for p in paths}
    names = {p.name.encode() for p in paths}
    program = Program([config.root])
    found: dict[str, list[Diagnostic]] = {path: [] for path in wanted}
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
    for path in sorted(wanted - referenced):
        found[path] = _standalone(Path(path))
    return [FileResult(path, list(dict.fromkeys(diags))) for path, diags in found.items()]


def _standalone(path: Path) -> list[Diagnostic]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if not looks_like_run_config(text):
        return []
    try:
        load_run_config(path)
    except ConfigError as exc:
        return list(exc.diagnostics)
    return []
