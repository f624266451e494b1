"""Import user code named as ``path/to/file.py:attribute`` or ``package.module:attribute``."""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.messages import files

_LOADING: contextvars.ContextVar[bool] = contextvars.ContextVar("flowplan_loading", default=False)


def loading() -> bool:
    """True while a file is loaded to find its pipelines: calls of pipelines and steps made
    by its module-level code are then not run (DESIGN decision 20)."""
    return _LOADING.get()


@contextmanager
def not_running() -> Iterator[None]:
    token = _LOADING.set(True)
    try:
        yield
    finally:
        _LOADING.reset(token)


def skipped_call(kind: str, name: str) -> None:
    """Say on stderr that a call made while loading was not run (returns None to the caller)."""
    print(
        f"flow: not running {kind} `{name}`, called while its file was loaded "
        "(loading a file never runs it)",
        file=sys.stderr,
    )


def load_target(spec: str) -> Any:
    """The object named by ``spec``; a clear diagnostic when it cannot be found."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ConfigError(
            files.not_a_pipeline_spec(spec)
        )
    module = load_module(target)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(
                files.missing_attribute(target, attr, getattr(module, "__file__", None))
            )
        obj = getattr(obj, part)
    return obj


def load_module(target: str) -> Any:
    """The module at ``target`` (a file path or a module name), imported without running the
    pipelines and steps its module-level code calls."""
    path = Path(target)
    if target.endswith(".py") or path.exists():
        if not path.is_file():
            raise ConfigError(files.no_such_file(target))
        with not_running():
            return _import_path(path.resolve())
    try:
        with not_running():
            return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            files.unimportable_module(target, exc)
        ) from None


def module_name_for(path: Path) -> str:
    """A stable module name for a file: its dotted path below the nearest non-package folder
    (a package's ``__init__.py`` is the package itself)."""
    parts = [path.stem]
    folder = path.parent
    if path.name == "__init__.py":
        parts, folder = [folder.name], folder.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def _import_path(path: Path) -> Any:
    name = module_name_for(path)
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) == str(path):
        return existing
    root = path.parent
    for _ in range(name.count(".")):
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(files.unloadable_file(str(path)))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        problem = _unparsable(exc, path)
        if problem is not None:
            raise ConfigError(problem) from None
        raise
    return module


def _unparsable(exc: BaseException, path: Path) -> Diagnostic | None:
    """FP001 when Python cannot compile the file (or a module it imports): the same
    diagnostic ``flow check`` gives, not a traceback."""
    if isinstance(exc, SyntaxError):
        return files.syntax_error(exc.msg, exc.filename or str(path), exc.lineno, exc.offset)
    if isinstance(exc, RecursionError | MemoryError) and "during compilation" in str(exc):
        return files.syntax_error(files.TOO_DEEP, str(path), None, None)
    return None
