"""What ``flow check`` is configured to do: ``[tool.flowplan]`` (through
:func:`flowplan.project.project_settings`) and the command line on top."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flowplan.diagnostics import Diagnostic
from flowplan.project import find_project_root


@dataclass(frozen=True)
class LintConfig:
    """Rule selection, exclusions and the settings that change what a file reports."""

    root: Path
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    run_configs: tuple[str, ...] = ()  # globs of the YAML files that are run configurations
    enforce_annotations: bool = False
    problems: tuple[Diagnostic, ...] = ()  # FP008: what is wrong with the settings

    def selected(self, code: str) -> bool:
        """Whether a code passes ``select`` (prefixes; empty means all) and ``ignore``."""
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def key(self) -> str:
        """What, besides a file's content, decides its diagnostics (for the result cache)."""
        return hashlib.sha256(f"enforce={self.enforce_annotations}".encode()).hexdigest()[:16]


def _codes(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v.strip().upper() for value in values for v in value.split(",") if v.strip())


def load_config(
    start: Path | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> LintConfig:
    """The project's settings (the nearest ``pyproject.toml``/``.git`` upward from ``start``)
    with ``--select``/``--ignore`` from the command line replacing/extending them."""
    from flowplan.project import project_settings

    here = (start or Path.cwd()).resolve()
    settings = project_settings(here)
    root = find_project_root(here) or here
    chosen = _codes(select) or _codes(settings.select)
    return LintConfig(
        root=root,
        select=chosen,
        ignore=(*_codes(settings.ignore), *_codes(ignore)),
        exclude=tuple(settings.exclude),
        run_configs=tuple(settings.run_configs),
        enforce_annotations=bool(settings.enforce_type_annotations),
        problems=tuple(settings.diagnostics),
    )
