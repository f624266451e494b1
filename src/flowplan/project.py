"""Project-wide settings (DESIGN decision 14): ``[tool.flowplan]`` in the project's
``pyproject.toml``, each key overridable by a ``FLOWPLAN_<KEY>`` environment variable
(``ZENML_<KEY>`` accepted too).

Keys are kebab-case (``alerter-url``); snake_case is accepted.  Problems -- an unknown key, a
value of the wrong type -- become ``FP008`` diagnostics on the settings (``.diagnostics``) and
the key keeps its default; ``flow check`` reports them, and a run refuses to start with them
(:func:`settings_for_a_run`, DESIGN decision 21: run time and check time agree).  Read when
asked for, never once at import.  On Python 3.10 the file is read with ``tomli`` (the
``tomllib`` of Python 3.11, as a package).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from flowplan.diagnostics import ConfigError, Diagnostic, raise_if_errors
from flowplan.env import env_value
from flowplan.messages import files

if TYPE_CHECKING:
    from pydantic import TypeAdapter

PYPROJECT = "pyproject.toml"
LIST_KEYS = ("select", "ignore", "exclude", "run_configs")
_ROOT_MARKERS = (PYPROJECT, ".git")
T = TypeVar("T")
_LOOK = threading.local()  # .memo: what this thread's current look found, by question


Look = dict[Any, Any]  # what a look found, by question


@contextmanager
def one_look(again: Look | None = None) -> Iterator[Look]:
    """Within: the project around the current directory (its root, its ``[tool.flowplan]``
    table, its settings, the store's home) is looked up once per question, in this thread;
    ``again``: a look yielded before, taken up again (its answers stand).

    A run resolves its settings when it starts (DESIGN decision 11) and asks several of them
    there; one look answers them all as at one moment, as if any change to the files or the
    environment came just after it.  Nested looks are the outer one."""
    current: Look | None = getattr(_LOOK, "memo", None)
    if current is not None:
        yield current
        return
    _LOOK.memo = {} if again is None else again
    try:
        yield _LOOK.memo
    finally:
        _LOOK.memo = None


def looked_up(question: Any, answer: Callable[[], T]) -> T:
    """``answer()``, asked once per ``question`` within :func:`one_look` (else every time)."""
    memo: Look | None = getattr(_LOOK, "memo", None)
    if memo is None:
        return answer()
    if question not in memo:
        memo[question] = answer()
    found: T = memo[question]
    return found


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: cwd) holding a project marker
    (``pyproject.toml`` or ``.git``)."""
    if start is None:
        return looked_up("root", lambda: _project_root(os.getcwd()))
    return _project_root(str(start.resolve()))


def _project_root(folder: str) -> Path | None:
    # The current directory comes back from the OS with its symbolic links resolved.
    while True:
        if any(os.path.exists(os.path.join(folder, marker)) for marker in _ROOT_MARKERS):
            return Path(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def has_project_table(root: Path | None) -> bool:
    """Whether the project's pyproject.toml has a ``[tool.flowplan]`` table (a cheap look,
    so that runs in projects without one never parse it)."""
    if root is None:
        return False
    return looked_up(("table", root), lambda: _has_table(root / PYPROJECT))


def _has_table(path: Path) -> bool:
    try:
        return b"tool.flowplan" in path.read_bytes()
    except OSError:
        return False


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProjectSettings:
    """The project's settings, checked (a plain dataclass: runs read them per step)."""

    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "forbid"}

    home: str | None = None
    orchestrator: Literal["local", "dask"] = "local"
    dask_address: str | None = None
    artifact_url: str | None = None
    dask_worker_timeout: float | None = None
    alerter: Literal["log", "webhook"] = "log"
    alerter_url: str | None = None
    enforce_type_annotations: bool | None = None
    synchronous: bool | None = None
    select: list[str] = dataclasses.field(default_factory=list)
    ignore: list[str] = dataclasses.field(default_factory=list)
    exclude: list[str] = dataclasses.field(default_factory=list)
    run_configs: list[str] = dataclasses.field(default_factory=list)  # decision 18
    # Where the values came from, and what was wrong with them (not settings themselves).
    pyproject: Path | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


SETTING_NAMES = tuple(
    f.name
    for f in dataclasses.fields(ProjectSettings)
    if f.name not in ("pyproject", "diagnostics")
)
_OPTIONAL_TEXT = ("home", "dask_address", "artifact_url", "alerter_url")
_CHOICES = {"orchestrator": ("local", "dask"), "alerter": ("log", "webhook")}
_OPTIONAL_FLAGS = ("enforce_type_annotations", "synchronous")
_OPTIONAL_NUMBERS = ("dask_worker_timeout",)


def _plainly_valid(name: str, value: Any) -> bool:
    """Whether ``value`` is exactly what the setting takes (decided without pydantic; values
    that need converting, such as ``"true"`` from an environment variable, are not)."""
    if name in _OPTIONAL_TEXT:
        return value is None or isinstance(value, str)
    if name in _CHOICES:
        return value in _CHOICES[name]
    if name in _OPTIONAL_FLAGS:
        return value is None or isinstance(value, bool)
    if name in _OPTIONAL_NUMBERS:
        return value is None or (type(value) in (int, float) and value > 0)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


@functools.cache
def _adapter() -> TypeAdapter[ProjectSettings]:
    """pydantic over :class:`ProjectSettings`, for values that are not plainly valid."""
    from pydantic import TypeAdapter

    return TypeAdapter(ProjectSettings)


def kebab(name: str) -> str:
    return name.replace("_", "-")


def project_settings(start: Path | None = None) -> ProjectSettings:
    """The settings of the project around ``start`` (default: the current directory)."""
    root = find_project_root(start)
    path = root / PYPROJECT if root is not None and (root / PYPROJECT).is_file() else None
    table, problems = _read_table(path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name in SETTING_NAMES:
            values[name], origins[name] = value, f"`{key}` in [tool.flowplan]"
        else:
            problems.append(_unknown_key(key, path))
    for name in SETTING_NAMES:
        raw = env_value(name.upper())
        if raw is not None:
            values[name] = _split(raw) if name in LIST_KEYS else raw
            origins[name] = f"FLOWPLAN_{name.upper()}"
    checked = _validated(values, origins, path, problems)
    return dataclasses.replace(checked, pyproject=path, diagnostics=tuple(problems))


def _read_table(path: Path | None) -> tuple[dict[str, Any], list[Diagnostic]]:
    if path is None:
        return {}, []
    try:
        document = _load_toml(path)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        return {}, [files.unreadable_pyproject(PYPROJECT, exc, str(path))]
    table = document.get("tool", {}).get("flowplan", {})
    if not isinstance(table, dict):
        return {}, [files.project_table_not_table(str(path))]
    return table, []


def _load_toml(path: Path) -> dict[str, Any]:
    """The parsed file (``tomli`` on Python 3.10, which has no TOML parser in its library)."""
    if sys.version_info >= (3, 11):
        import tomllib as toml
    else:  # pragma: no cover - exercised by a test that pretends to be 3.10
        import tomli as toml
    with path.open("rb") as handle:
        document: dict[str, Any] = toml.load(handle)
    return document


def _validated(
    values: dict[str, Any], origins: dict[str, str], path: Path | None, problems: list[Diagnostic]
) -> ProjectSettings:
    """Validate; a bad value is reported and dropped, so the key keeps its default."""
    if all(_plainly_valid(name, value) for name, value in values.items()):
        return ProjectSettings(**values)
    from pydantic import ValidationError

    try:
        return _adapter().validate_python(values)
    except ValidationError as exc:
        errors = exc.errors()
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else ""
        values.pop(name, None)
        origin = origins.get(name, name)
        in_file = path is not None and origin.endswith("[tool.flowplan]")
        problems.append(
            files.invalid_project_value(
                origin, error["msg"], _hint(name),
                str(path) if in_file else None, _line_of(path, name) if in_file else None,
            )
        )
    return _adapter().validate_python(values)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _unknown_key(key: str, path: Path | None) -> Diagnostic:
    known = [kebab(n) for n in SETTING_NAMES]
    from difflib import get_close_matches  # only for a problem

    close = get_close_matches(kebab(key), known, n=1)
    return files.unknown_project_key(
        key, close, known, str(path) if path else None, _line_of(path, key)
    )


def _hint(name: str) -> str:
    hints = {
        "orchestrator": "use `local` or `dask`",
        "alerter": "use `log` or `webhook`",
        "enforce_type_annotations": "use true or false",
        "dask_worker_timeout": "use a number of seconds",
    }
    return hints.get(name, "use a string" if name not in LIST_KEYS else "use a list of strings")


def _line_of(path: Path | None, key: str) -> int | None:
    """The line of ``key = ...`` in the file (either spelling), for the diagnostic."""
    if path is None:
        return None
    pattern = re.compile(rf"^\s*({re.escape(kebab(key))}|{re.escape(key.replace('-', '_'))})\s*=")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return number
    return None


def current_settings() -> ProjectSettings:
    """``project_settings()`` for the current directory, memoised while neither the project's
    pyproject.toml nor the FLOWPLAN_* environment changes (cheap enough to ask per step)."""
    return looked_up("settings", _current_settings)


def _current_settings() -> ProjectSettings:
    root = find_project_root()
    path = root / PYPROJECT if root is not None else None
    try:
        stamp = path.stat().st_mtime_ns if path is not None else 0
    except OSError:
        stamp = 0
    env = tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith(("FLOWPLAN_", "ZENML_")))
    )
    return _memoised(root, stamp, env)


def settings_for_a_run() -> ProjectSettings:
    """:func:`current_settings`, refused with their ``FP008`` errors when any is invalid: a
    typo in ``FLOWPLAN_ORCHESTRATOR`` must not quietly run on the default orchestrator."""
    settings = current_settings()
    raise_if_errors(settings.diagnostics, ConfigError)
    return settings


@functools.lru_cache(maxsize=8)
def _memoised(root: Path | None, stamp: int, env: tuple[tuple[str, str], ...]) -> ProjectSettings:
    return project_settings(root)


def configured_home(root: Path) -> Path | None:
    """``home`` from ``[tool.flowplan]`` of the project at ``root`` (relative to the root)."""
    home = project_settings(root).home
    return (root / Path(home).expanduser()).resolve() if home else None
