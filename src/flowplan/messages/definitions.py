"""Messages of FP1xx: step and pipeline definitions and their options."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic


# -- FP109 not-a-function ----------------------------------------------------------------------
def decorated_non_function(kind: str, what: str, path: str | None, line: int | None) -> Diagnostic:
    """``@step``/``@pipeline`` (``kind``) applied to a ``what`` (a type name)."""
    return make("FP109", f"@{kind} applies to functions, not {what}", path=path, line=line,
                fix=f"decorate a plain `def` function with @{kind}")


def step_not_plain_function(name: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP109", f"step `{name}` is a coroutine or generator function",
                path=path, line=line,
                fix="make the step a plain function that returns its outputs")


def analysed_non_function(func: object) -> Diagnostic:
    return make("FP109", f"{func!r} is not a function; a step must be a plain `def`",
                fix="apply @step to a function defined with `def`")


# -- FP110 unsupported-step-signature ---------------------------------------------------------
def star_input(step: str, star: str, name: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP110", f"step `{step}` takes {star}{name}; step inputs must be named, so the "
                "pipeline graph can be built", path=path, line=line,
                fix="list each input as its own parameter, or take one list/dict input")


def reserved_input(step: str, name: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP110", f"step `{step}` has an input named `{name}`, which is reserved for "
                f"step calls (`{name}=`)", path=path, line=line,
                fix=f"rename the input, e.g. `{name}_`")


# -- FP111 invalid-retry -----------------------------------------------------------------------
def bad_max_retries(value: object) -> Diagnostic:
    return make("FP111", f"max_retries must be a non-negative integer, got {value!r}",
                fix="use e.g. StepRetryConfig(max_retries=3)")


def bad_delay(value: object) -> Diagnostic:
    return make("FP111", f"delay must be a finite number of seconds >= 0, got {value!r}",
                fix="use e.g. StepRetryConfig(delay=10)")


def bad_backoff(value: object) -> Diagnostic:
    return make("FP111", f"backoff must be a finite number > 0, got {value!r}",
                fix="use backoff=1 for a constant delay, 2 to double it after each retry")


def retry_not_config(owner: str, value: object, path: str | None, line: int | None) -> Diagnostic:
    return make("FP111", f"retry of {owner} must be a StepRetryConfig, not {type(value).__name__}",
                path=path, line=line,
                fix="use StepRetryConfig(max_retries=..., delay=..., backoff=...)")


def unknown_retry_field(
    owner: str, key: str, allowed: Iterable[str], path: str | None, line: int | None
) -> Diagnostic:
    return make("FP111", f"{owner} got an unknown option `{key}`", path=path, line=line,
                fix=_known(key, allowed, "options"))


# -- FP112 invalid-materializer -------------------------------------------------------------------
def unknown_materialized_output(
    step: str, name: str, outputs: Iterable[str], path: str | None, line: int | None
) -> Diagnostic:
    return make("FP112", f"output_materializers of step `{step}` names `{name}`, which is not "
                f"one of its outputs ({', '.join(outputs) or 'none'})", path=path, line=line,
                fix="use the output names from the step's annotation")


# -- FP114 invalid-option ----------------------------------------------------------------------
def unknown_option(
    owner: str, key: str, allowed: Iterable[str], path: str | None, line: int | None
) -> Diagnostic:
    return make("FP114", f"{owner} got an unknown option `{key}`", path=path, line=line,
                fix=_known(key, allowed, "options"))


def option_not_mapping(
    key: str, owner: str, path: str | None, line: int | None, value: object = None
) -> Diagnostic:
    """``settings``/``substitutions`` that are not a mapping; ``value`` named when given."""
    detail = "" if value is None else f", not {type(value).__name__}"
    return make("FP114", f"{key} of {owner} must be a mapping{detail}", path=path, line=line,
                fix=f"pass {key}={{...}}")


def bad_enable_cache(owner: str, value: object, path: str | None, line: int | None) -> Diagnostic:
    return make("FP114", f"enable_cache of {owner} must be True or False, not {value!r}",
                path=path, line=line, fix="pass enable_cache=True or enable_cache=False")


def _known(key: str, allowed: Iterable[str], what: str) -> str:
    names = sorted(allowed)
    close = difflib.get_close_matches(key, names, n=1)
    return f"did you mean `{close[0]}`?" if close else f"known {what}: {', '.join(names)}"


# -- FP106 invalid-output-annotation -----------------------------------------------------------
def output_metadata_not_a_name(step: str, metadata: object, path: str | None,
                               line: int | None) -> Diagnostic:
    return make("FP106", f"step `{step}` annotates its output with `Annotated` metadata "
                f"{metadata!r}; it must be exactly one string, the output name", path=path,
                line=line, fix='write `Annotated[T, "name"]` with a single non-empty string')


def output_name_not_a_string(step: str, expression: str, value: str, path: str | None,
                             line: int | None, column: int | None) -> Diagnostic:
    return make("FP106", f"step `{step}` names an output `{expression}`, which is {value}, not "
                "a non-empty string", path=path, line=line, column=column,
                fix='name it with a string: `Annotated[T, "name"]`')
