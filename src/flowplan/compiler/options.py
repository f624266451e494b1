"""Options accepted by ``@step``/``@pipeline``, ``configure`` and ``with_options``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from flowplan.config.retry_config import StepRetryConfig
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.enums import ExecutionMode
from flowplan.messages import definitions

# The options of ``@step(...)``, ``configure`` and ``with_options``, as typed keywords.  Written
# in the functional form, whose types are objects: the class form's annotations would be text
# here, and ``TypedDict`` compiles each text into a ``ForwardRef`` (some 2M instructions for
# the two of them at every ``import flowplan``).
StepOptions = TypedDict("StepOptions", {  # noqa: UP013
    "name": str,
    "enable_cache": bool | None,
    "retry": StepRetryConfig | Mapping[str, float] | None,
    "on_success": Callable[..., Any] | None,
    "on_failure": Callable[..., Any] | None,
    "settings": Mapping[str, Any],
    "output_materializers": Any,
    "extra": Mapping[str, Any],
    "parameters": Mapping[str, Any],
    "timeout": float | None,
}, total=False)

# The options of ``@pipeline(...)``, ``configure`` and ``with_options``.
PipelineOptions = TypedDict("PipelineOptions", {  # noqa: UP013
    "name": str,
    "enable_cache": bool | None,
    "retry": StepRetryConfig | Mapping[str, float] | None,
    "on_success": Callable[..., Any] | None,
    "on_failure": Callable[..., Any] | None,
    "settings": Mapping[str, Any],
    "execution_mode": ExecutionMode | str,
    "substitutions": Mapping[str, str],
    "run_name": str | None,
    "config_path": str | None,
    "extra": Mapping[str, Any],
    "tags": str | Sequence[str],
    "parameters": Mapping[str, Any],
}, total=False)


# The names accepted at run time are the typed ones: one list for both.
STEP_OPTIONS = frozenset(StepOptions.__annotations__)
PIPELINE_OPTIONS = frozenset(PipelineOptions.__annotations__)

# ZenML's documented options (DESIGN decision 17): in a file written with ZenML's imports they
# are valid, although flowplan does not run the stack features they configure.
ZENML_STEP_OPTIONS = STEP_OPTIONS | frozenset({
    "enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs",
    "experiment_tracker", "step_operator", "model", "model_version", "substitutions",
    "parameters", "cache_policy", "runtime", "heartbeat_healthy_threshold", "environment",
    "secrets", "group",
})
ZENML_PIPELINE_OPTIONS = PIPELINE_OPTIONS | frozenset({
    "enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs",
    "enable_pipeline_logs", "tags", "model", "model_version", "on_init", "on_init_kwargs",
    "on_cleanup", "cache_policy", "dynamic", "depends_on", "environment", "secrets",
    "schedule", "build", "steps", "parameters", "unlisted", "prevent_build_reuse",
})


def option_names(kind: str, spelling: str) -> frozenset[str]:
    """The options a ``@step``/``@pipeline`` of ``kind`` takes in ``spelling``."""
    if kind == "step":
        return ZENML_STEP_OPTIONS if spelling == "zenml" else STEP_OPTIONS
    return ZENML_PIPELINE_OPTIONS if spelling == "zenml" else PIPELINE_OPTIONS


def check_option_names(
    given: Mapping[str, Any],
    allowed: frozenset[str],
    owner: str,
    where: tuple[str | None, int | None],
) -> list[Diagnostic]:
    return [
        definitions.unknown_option(owner, key, allowed, where[0], where[1])
        for key in given
        if key not in allowed
    ]


RETRY_FIELDS = frozenset({"max_retries", "delay", "backoff"})


def coerce_retry(
    value: object, owner: str, where: tuple[str | None, int | None]
) -> StepRetryConfig | None:
    """Accept a ``StepRetryConfig`` or a mapping of its fields."""
    if value is None or isinstance(value, StepRetryConfig):
        return value
    if isinstance(value, Mapping):
        unknown = [
            definitions.unknown_retry_field(f"retry of {owner}", key, RETRY_FIELDS, *where)
            for key in value
            if key not in RETRY_FIELDS
        ]
        if unknown:
            raise CompileError(unknown)
        try:
            return StepRetryConfig(**value)
        except CompileError as exc:
            raise CompileError(
                [d.with_location(where[0], where[1], None) for d in exc.diagnostics]
            ) from None
    raise CompileError(
        definitions.retry_not_config(owner, value, where[0], where[1])
    )


def check_enable_cache(
    value: object, owner: str, where: tuple[str | None, int | None]
) -> list[Diagnostic]:
    if value is None or isinstance(value, bool):
        return []
    return [
        definitions.bad_enable_cache(owner, value, where[0], where[1])
    ]
