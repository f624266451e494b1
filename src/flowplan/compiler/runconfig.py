"""The run configuration: YAML files and ``run_configuration=`` dicts (DESIGN decision 16).

Every key is checked: an unknown key is FP004, a wrong value FP005, a malformed file FP003,
a missing file FP009; :func:`check_against_plan` adds FP006/FP007 for step ids and
parameters the pipeline lacks.  All problems are collected and raised together as one
:class:`~flowplan.diagnostics.ConfigError`, each at the line and column of its YAML key or
value when the configuration came from a file.
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from flowplan.compiler.runconfig_errors import (
    KeyPath,
    Locator,
    Position,
    pydantic_problems,
    suggest,
)
from flowplan.compiler.yamlbounds import expansion_problem
from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.messages import files

_HOOK_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*[.:][A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_ORCHESTRATOR_PREFIX = "orchestrator."


def _hook_path(value: str) -> str:
    if not _HOOK_PATH.fullmatch(value):
        raise ValueError("must be an import path like `module.func` or `module:func`")
    return value


HookPath = Annotated[str, AfterValidator(_hook_path)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RetrySettings(_Section):
    """``retry:`` of a step, the fields of ``StepRetryConfig``."""

    max_retries: int = Field(default=1, ge=0)
    delay: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    backoff: float = Field(default=1.0, gt=0, allow_inf_nan=False)


class StepRunConfig(_Section):
    """``steps.<id>:`` -- what a run configuration may set on one step invocation."""

    parameters: dict[str, Any] = {}
    enable_cache: bool | None = None
    retry: RetrySettings | None = None
    settings: dict[str, Any] = {}
    on_success: HookPath | None = None
    on_failure: HookPath | None = None
    extra: dict[str, Any] = {}

    @field_validator("retry", mode="before")
    @classmethod
    def _retry_object(cls, value: object) -> object:
        """Accept a ``StepRetryConfig`` (or anything with its fields) in dict input."""
        fields = ("max_retries", "delay", "backoff")
        if value is not None and not isinstance(value, Mapping) and all(
                hasattr(value, f) for f in fields):
            return {f: getattr(value, f) for f in fields}
        return value


class OrchestratorRunSettings(_Section):
    """``settings.orchestrator:`` (or ``settings.orchestrator.<stack>:``); unset keys keep
    the pipeline's own settings."""

    synchronous: bool | None = None
    max_workers: int | None = Field(default=None, ge=1)
    isolation: Literal["thread", "process"] | None = None
    dask_address: str | None = None
    step_timeout: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class RunSettings(_Section):
    orchestrator: OrchestratorRunSettings | None = None


class RunConfiguration(_Section):
    """A validated run configuration.  Every key is optional."""

    enable_cache: bool | None = None
    run_name: str | None = None
    parameters: dict[str, Any] = {}
    steps: dict[str, StepRunConfig] = {}
    settings: RunSettings = RunSettings()
    execution_mode: Literal["continue_on_failure", "stop_on_failure", "fail_fast"] | None = None
    substitutions: dict[str, str] = {}
    tags: list[str] = []
    extra: dict[str, Any] = {}
    _source: str = PrivateAttr(default="<run_configuration>")
    _keys: dict[KeyPath, Position] = PrivateAttr(default_factory=dict)

    @field_validator("execution_mode", mode="before")
    @classmethod
    def _mode_name(cls, value: object) -> object:
        """``ExecutionMode`` members and any case of their names; CONTINUE_ON_ERROR is an
        alias of CONTINUE_ON_FAILURE."""
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, str):
            value = value.strip().lower()
            return "continue_on_failure" if value == "continue_on_error" else value
        return value

    def __eq__(self, other: object) -> bool:
        """Equal when the settings are; where they came from does not count."""
        if not isinstance(other, RunConfiguration):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    @property
    def source(self) -> str:
        """Where the configuration came from: a file path or ``<run_configuration>``."""
        return self._source

    def position(self, *path: str) -> Position | None:
        """(line, column), 1-based, of the YAML key at ``path`` (e.g. ``"steps", "train"``)."""
        return self._keys.get(path)


# -- loading --------------------------------------------------------------------------------

def load_run_config(path: str | Path, lenient: bool = False) -> RunConfiguration:
    """Read, parse and validate a YAML run configuration; raise ``ConfigError`` if wrong.

    ``lenient`` (a pipeline in ZenML spelling, decision 17) drops the keys flowplan does not
    know -- ZenML's own (``model``, ``enable_step_logs``, ``settings.docker``, …) -- instead of
    reporting them, and checks the rest."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(files.missing_run_config(source)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(files.unreadable_run_config(source, reason)) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(exc, source, text)) from None
    except RecursionError:
        raise ConfigError(files.run_config_too_large(
            source, "is nested too deeply to read", None, None)) from None
    refused = expansion_problem(root, source)
    if refused is not None:
        raise ConfigError(refused)
    try:
        data = _construct(root)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(exc, source, text)) from None
    locator = Locator(source)
    problems = locator.read_nodes(root)
    return _validate(_known_keys(data, ()) if lenient else data, locator, problems)


def _known_keys(value: Any, path: KeyPath) -> Any:
    """``value`` with the mapping keys the schema does not know dropped, at every level."""
    if not isinstance(value, Mapping):
        return value
    allowed = [k for k in _allowed_keys(path) if k != "orchestrator.<stack>"]
    return {key: _known_keys(item, (*path, str(key))) for key, item in value.items()
            if (not allowed or key in allowed)
            and not (item is None and _allowed_keys((*path, str(key))))}  # `load_data:` alone


def _construct(root: yaml.Node | None) -> Any:
    """The Python value of a composed (and bounded) document."""
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def parse_run_config(data: Mapping[str, Any],
                     source: str = "<run_configuration>") -> RunConfiguration:
    """Validate a run configuration given as a mapping; raise ``ConfigError`` if wrong."""
    return _validate(data, Locator(source), [])


def _yaml_problem(exc: yaml.YAMLError, source: str, text: str) -> Diagnostic:
    line = column = None
    what = "the file is not valid YAML"
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        what, line = str(exc.reason), before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
    if isinstance(exc, yaml.MarkedYAMLError):
        what = exc.problem or exc.context or what
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
    return files.malformed_yaml(what, source, line, column)


def _validate(data: object, locator: Locator, problems: list[Diagnostic]) -> RunConfiguration:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        line, column = locator.value(())
        problems.append(files.run_config_not_mapping(kind, locator.source, line, column))
        raise ConfigError(problems)
    folded = _fold_orchestrator(dict(data), locator, problems)
    config: RunConfiguration | None = None
    try:
        config = RunConfiguration.model_validate(folded)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, locator, _allowed_keys))
    if problems or config is None:
        raise ConfigError(problems)
    config._source = locator.source
    config._keys = dict(locator.keys)
    return config


def _fold_orchestrator(data: dict[Any, Any], locator: Locator,
                       problems: list[Diagnostic]) -> dict[Any, Any]:
    """Turn ``settings.orchestrator.<stack>`` into ``settings.orchestrator``."""
    settings = data.get("settings")
    if not isinstance(settings, Mapping):
        return data
    folded: dict[Any, Any] = {}
    spots = {key: locator.key(("settings", str(key))) for key in settings}  # before renaming
    for key, value in settings.items():
        stack = key[len(_ORCHESTRATOR_PREFIX):] if isinstance(key, str) and key.startswith(
            _ORCHESTRATOR_PREFIX) else ""
        target = "orchestrator" if stack else key
        if target == "orchestrator" and target in folded:
            line, column = spots[key]
            problems.append(files.repeated_orchestrator_settings(key, locator.source, line, column))
            continue
        folded[target] = value
        if stack:
            locator.rename(("settings", key), ("settings", "orchestrator"))
    return {**data, "settings": folded}


def _allowed_keys(parent: KeyPath) -> list[str]:
    """The keys the schema allows under ``parent`` (empty when anything goes)."""
    node: Any = RunConfiguration
    for part in parent:
        node = _optional_inner(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part)
            if field is None:
                return []
            node = field.annotation
        elif get_origin(node) is dict:
            node = get_args(node)[1]
        else:
            return []
    node = _optional_inner(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        keys = list(node.model_fields)
        return [*keys, "orchestrator.<stack>"] if node is RunSettings else keys
    return []


def _optional_inner(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        return members[0] if len(members) == 1 else tp
    return tp


# -- checking against a pipeline ------------------------------------------------------------

def check_against_plan(config: RunConfiguration, step_ids: Collection[str],
                       step_params: Mapping[str, Collection[str]],
                       pipeline_params: Collection[str],
                       positions: Mapping[KeyPath, Position] | None = None,
                       pipeline: str | None = None) -> list[Diagnostic]:
    """FP006 for step ids the pipeline lacks, FP007 for unknown step or pipeline parameters.

    ``positions`` maps key paths to (line, column); by default the configuration's own.
    """
    keys = config._keys if positions is None else positions
    owner = f"pipeline `{pipeline}`" if pipeline else "the pipeline"
    problems: list[Diagnostic] = []

    def where(path: KeyPath) -> tuple[str | None, int | None, int | None]:
        line, column = keys.get(path, (None, None))
        return config.source, line, column

    for step_id, step in config.steps.items():
        if step_id not in step_ids:
            fix = suggest(step_id, step_ids, "step ids")
            problems.append(files.config_unknown_step(step_id, owner, fix,
                                                      *where(("steps", step_id))))
            continue
        known = step_params.get(step_id, ())
        for name in step.parameters:
            if name not in known:
                at = where(("steps", step_id, "parameters", name))
                problems.append(files.config_unknown_step_parameter(
                    step_id, name, suggest(name, known, "parameters"), *at))
    for name in config.parameters:
        if name not in pipeline_params:
            fix = suggest(name, pipeline_params, "parameters")
            problems.append(files.config_unknown_pipeline_parameter(
                name, owner, fix, *where(("parameters", name))))
    return problems


def pipeline_options(config: RunConfiguration) -> dict[str, Any]:
    """The options of ``with_options`` that the configuration sets."""
    options: dict[str, Any] = {}
    for key in ("enable_cache", "run_name", "execution_mode"):
        value = getattr(config, key)
        if value is not None:
            options[key] = value
    if config.substitutions:
        options["substitutions"] = dict(config.substitutions)
    if config.tags:
        options["tags"] = list(config.tags)
    if config.extra:
        options["extra"] = dict(config.extra)
    orchestrator = config.settings.orchestrator
    if orchestrator is not None:
        values = orchestrator.model_dump(exclude_none=True)
        if values:
            options["settings"] = {"orchestrator": values}
    return options
