"""Import user code named as ``path/to/file.py:attribute`` or ``package.module:attribute``."""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.messages import files

if TYPE_CHECKING:
    import importlib.machinery

# A run asks only loading() and skipped_call(): importlib.util and traceback, which loading
# a file needs, are imported where it is loaded.

_LOADING: contextvars.ContextVar[bool] = contextvars.ContextVar("flowplan_loading", default=False)
_SKIPPED: contextvars.ContextVar[list[str]] = contextvars.ContextVar("flowplan_skipped")


def loading() -> bool:
    """True while a file is loaded to find its pipelines: calls of pipelines and steps made
    by its module-level code are then not run (DESIGN decision 20)."""
    return _LOADING.get()


@contextmanager
def not_running() -> Iterator[None]:
    token = _LOADING.set(True)
    skipped = _SKIPPED.set([])
    try:
        yield
    finally:
        _SKIPPED.reset(skipped)
        _LOADING.reset(token)


def skipped_call(what: str) -> None:
    """Say on stderr that a call made while loading (``what``: "pipeline `x`") was not run;
    the caller returns None."""
    _SKIPPED.get([]).append(what)
    print(
        f"flow: not running {what}, called while its file was loaded "
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
    with not_running():
        return _import_name(target)


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
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(files.unloadable_file(str(path)))
    return _execute(spec, path)


def _import_name(name: str) -> Any:
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)  # imports the packages above it
    except ImportError as exc:
        raise ConfigError(files.unimportable_module(name, exc)) from None
    except Exception as exc:
        raise ConfigError(files.load_failed(name, *_raised_at(exc, None))) from exc
    if spec is None or spec.loader is None:
        raise ConfigError(files.unimportable_module(name, f"No module named {name!r}"))
    module = _execute(spec, Path(spec.origin) if spec.has_location and spec.origin else None)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return module


def _execute(spec: importlib.machinery.ModuleSpec, path: Path | None) -> Any:
    """Run the module's code.  When it raises after a call that loading does not run (that
    call returned None, which later module-level code may trip over: ``run.status``), the
    module as loaded so far is kept -- its pipelines are defined by then -- and a note says
    so; any other exception is FP020 (FP001 for a syntax error)."""
    import importlib.util

    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    skipped = len(_SKIPPED.get([]))
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(spec.name, None)
        raise
    except BaseException as exc:
        shown = str(path) if path is not None else spec.name
        where, line, error = _raised_at(exc, path)
        calls = _SKIPPED.get([])[skipped:]
        if calls and not isinstance(exc, SyntaxError):
            print(f"flow: {where}:{line}: {error}, after {calls[-1]} was not run (it returned "
                  "None): the rest of the file is not loaded", file=sys.stderr)
            return module
        sys.modules.pop(spec.name, None)
        problem = _unparsable(exc, path or Path(shown))
        if problem is not None:
            raise ConfigError(problem) from None
        raise ConfigError(files.load_failed(shown, where, line, error)) from exc
    return module


def _raised_at(exc: BaseException, path: Path | None) -> tuple[str, int | None, str]:
    """Where in the loaded file (else the innermost frame) ``exc`` was raised, and what."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if path is not None and f.filename == str(path)]
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if not frames:
        return (str(path) if path else "?"), None, error
    frame = (mine or frames)[-1]
    return frame.filename, frame.lineno, error


def _unparsable(exc: BaseException, path: Path) -> Diagnostic | None:
    """FP001 when Python cannot compile the file (or a module it imports): the same
    diagnostic ``flow check`` gives, not a traceback."""
    if isinstance(exc, SyntaxError):
        return files.syntax_error(exc.msg, exc.filename or str(path), exc.lineno, exc.offset)
    if isinstance(exc, RecursionError | MemoryError) and "during compilation" in str(exc):
        return files.syntax_error(files.TOO_DEEP, str(path), None, None)
    return None
