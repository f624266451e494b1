"""Messages of FP1xx: step and pipeline definitions and their options."""

from __future__ import annotations

from collections.abc import Iterable

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest


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
    close = closest(key, names)
    return f"did you mean `{close}`?" if close else f"known {what}: {', '.join(names)}"


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


# -- FP101 missing-annotation ------------------------------------------------------------------
def missing_annotation(step: str, name: str, path: str | None, line: int | None,
                       column: int | None) -> Diagnostic:
    """``name`` is an input, or ``"return"`` for the return annotation."""
    if name == "return":
        message = f"step `{step}` has no return annotation"
        fix = "annotate what it returns, e.g. `-> int`, or `-> None` when it returns nothing"
    else:
        message = f"input `{name}` of step `{step}` has no type annotation"
        fix = f"annotate it, e.g. `{name}: int`"
    return make("FP101", message, path=path, line=line, column=column, fix=fix,
                why="FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS is set, so every step input and output"
                " needs a type annotation")


# -- FP107 source-unavailable ------------------------------------------------------------------
def source_unavailable(step: str, reason: str, path: str, line: int) -> Diagnostic:
    return make("FP107", f"the source of step `{step}` is unavailable ({reason}); its code hash "
                "falls back to the bytecode, so caching is less precise, and a Tuple return "
                "annotation is read as one output", path=path, line=line,
                fix="define steps in a .py file that is imported or run by path, not in exec'd "
                "code or an interactive session")


# -- FP108 invalid-hook ------------------------------------------------------------------------
def unusable_hook(kind: str, owner: str, location: tuple[str | None, int | None],
                  reason: str) -> Diagnostic:
    """A hook that cannot be resolved to a function."""
    return make("FP108", f"{kind} hook of {owner} cannot be used: {reason}",
                path=location[0], line=location[1],
                fix="pass a function, or an import path such as 'mypackage.hooks.notify'")


def bad_hook(kind: str, owner: str, location: tuple[str | None, int | None], path: str,
             problem: str) -> Diagnostic:
    """The hook at import path ``path`` whose signature has ``problem``."""
    fix = ("a success hook takes no parameters, or any of `step_name` and `step_output`"
           if kind == "on_success"
           else "a failure hook takes no parameters or one `exception: BaseException` parameter")
    return make("FP108", f"{kind} hook of {owner} `{path}` {problem}",
                path=location[0], line=location[1], fix=fix)


# -- FP113 closure-not-json --------------------------------------------------------------------
def closure_not_json(step: str, name: str, type_name: str, path: str | None,
                     line: int | None) -> Diagnostic:
    return make("FP113", f"step `{step}` closes over `{name}` ({type_name}), which is not JSON, "
                "so the step is not cached", path=path, line=line,
                fix=f"pass `{name}` as a step parameter or input instead of closing over it")


# -- FP102-FP106: outputs decided from a return annotation and the returns -------------------
# Built without a position: the analyzer places them at the libcst node they point at.
def variadic_tuple_return(step: str, annotation: str) -> Diagnostic:
    return make("FP102", f"step `{step}` returns a tuple literal but is annotated "
                f"`{annotation}`, a tuple of any length; several outputs need a fixed-length "
                "Tuple", fix="annotate each output (`-> Tuple[int, int]`), or return a variable "
                'to keep one tuple output, or name it: `Annotated[Tuple[int, ...], "name"]`')


def tuple_length_mismatch(step: str, got: str, annotation: str, declared: int) -> Diagnostic:
    """``got``: ``3 values`` or ``a starred tuple literal``."""
    return make("FP103", f"step `{step}` returns {got} but its annotation `{annotation}` "
                f"declares {declared} outputs",
                fix="make every returned tuple literal as long as the Tuple[...] annotation")


def mixed_return_shapes(step: str, tuple_here: bool) -> Diagnostic:
    here, other = (("returns a tuple literal", "a single value") if tuple_here
                   else ("returns a value", "a tuple literal"))
    return make("FP104", f"step `{step}` {here} here but {other} elsewhere; every `return` must "
                "have the same shape", fix="return tuple literals everywhere (several outputs), "
                "or build the tuple in a variable and return that everywhere (one output)")


def duplicate_output_name(step: str, name: str) -> Diagnostic:
    return make("FP105", f"step `{step}` has two outputs named `{name}`",
                fix='give each output its own name with `Annotated[T, "name"]`')


def annotated_metadata_not_a_name(step: str, written: str) -> Diagnostic:
    return make("FP106", f"step `{step}` annotates an output `{written}`, but `Annotated` "
                "metadata must be exactly one string, the output name",
                fix='write `Annotated[T, "name"]` with a single non-empty string literal')


# -- FP131 materializer-count ------------------------------------------------------------------
def materializer_count(step: str, given: int, outputs: int, path: str | None,
                       line: int | None) -> Diagnostic:
    return make("FP131", f"output_materializers of step `{step}` lists {given} materializer(s) "
                f"for {outputs} output(s)", path=path, line=line,
                fix="give one materializer per output, or a mapping {output_name: materializer}")


# -- FP132 invalid-timeout ---------------------------------------------------------------------
def invalid_timeout(owner: str, value: object, path: str | None, line: int | None) -> Diagnostic:
    return make("FP132", f"timeout of {owner} must be a positive number of seconds, not "
                f"{value!r}", path=path, line=line,
                fix="pass timeout=30 (seconds), or timeout=None for no limit")
