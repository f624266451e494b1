"""Options accepted by ``@step``/``@pipeline``, ``configure`` and ``with_options``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flowplan.codes import make
from flowplan.config.retry_config import StepRetryConfig
from flowplan.diagnostics import CompileError, Diagnostic

STEP_OPTIONS = frozenset(
    {
        "name",
        "enable_cache",
        "retry",
        "on_success",
        "on_failure",
        "settings",
        "output_materializers",
        "extra",
    }
)
PIPELINE_OPTIONS = frozenset(
    {
        "name",
        "enable_cache",
        "retry",
        "on_success",
        "on_failure",
        "settings",
        "execution_mode",
        "substitutions",
        "run_name",
        "config_path",
        "extra",
    }
)


def check_option_names(
    given: Mapping[str, Any],
    allowed: frozenset[str],
    owner: str,
    where: tuple[str | None, int | None],
) -> list[Diagnostic]:
    problems = []
    for key in given:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, sorted(allowed), n=1)
        hint = (
            f"did you mean `{close[0]}`?"
            if close
            else f"known options: {', '.join(sorted(allowed))}"
        )
        problems.append(
            make(
                "FP114",
                f"{owner} got an unknown option `{key}`",
                path=where[0],
                line=where[1],
                fix=hint,
            )
        )
    return problems


RETRY_FIELDS = frozenset({"max_retries", "delay", "backoff"})


def coerce_retry(
    value: object, owner: str, where: tuple[str | None, int | None]
) -> StepRetryConfig | None:
    """Accept a ``StepRetryConfig`` or a mapping of its fields."""
    if value is None or isinstance(value, StepRetryConfig):
        return value
    if isinstance(value, Mapping):
        unknown = check_option_names(value, RETRY_FIELDS, f"retry of {owner}", where)
        if unknown:
            raise CompileError([replace(d, code="FP111") for d in unknown])
        try:
            return StepRetryConfig(**value)
        except CompileError as exc:
            raise CompileError(
                [d.with_location(where[0], where[1], None) for d in exc.diagnostics]
            ) from None
    raise CompileError(
        make(
            "FP111",
            f"retry of {owner} must be a StepRetryConfig, not {type(value).__name__}",
            path=where[0],
            line=where[1],
            fix="use StepRetryConfig(max_retries=..., delay=..., backoff=...)",
        )
    )


def check_enable_cache(
    value: object, owner: str, where: tuple[str | None, int | None]
) -> list[Diagnostic]:
    if value is None or isinstance(value, bool):
        return []
    return [
        make(
            "FP114",
            f"enable_cache of {owner} must be True or False, not {value!r}",
            path=where[0],
            line=where[1],
            fix="pass enable_cache=True or enable_cache=False",
        )
    ]
