"""Messages of FP0xx: input files, syntax, configuration files."""

from __future__ import annotations

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic


# -- FP001 syntax-error ------------------------------------------------------------------------
def syntax_error(message: str, path: str, line: int | None, column: int | None) -> Diagnostic:
    """FP001 for a file that does not parse (the analyzer's verdict, and the loader's)."""
    return make(
        "FP001",
        f"syntax error: {message}",
        path=path,
        line=line,
        column=column,
        fix="fix the syntax; Python itself cannot import this file",
    )


TOO_DEEP = "an expression is nested too deeply to analyse"


# -- FP002 unreadable-file ---------------------------------------------------------------------
def unreadable_source(reason: str, path: str | None, line: int | None) -> Diagnostic:
    return make(
        "FP002",
        f"cannot read the file: {reason}",
        path=path,
        line=line,
        fix="check the file's permissions and encoding (flowplan reads UTF-8 or the "
        "encoding its coding cookie declares)",
    )


def unreadable_run_config(source: str, reason: str) -> Diagnostic:
    return make("FP002", f"cannot read run configuration `{source}`: {reason}", path=source)


def unloadable_file(path: str) -> Diagnostic:
    return make("FP002", f"cannot load {path}", path=path)


# -- FP003 yaml-syntax -------------------------------------------------------------------------
def malformed_yaml(
    what: str, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP003", f"malformed YAML: {what}", path=path, line=line, column=column,
                fix="nest keys by indenting with spaces and write `key: value` pairs")


def duplicate_yaml_key(
    key: str, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP003", f"duplicate key `{key}`", path=path, line=line, column=column,
                fix="remove one of them; YAML would keep the last")


# -- FP005 config-invalid-value ----------------------------------------------------------------
def run_config_not_mapping(
    kind: str, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP005", f"a run configuration is a mapping of keys, not {kind}",
                path=path, line=line, column=column,
                fix="start with top-level keys such as `steps:` or `parameters:`")


def repeated_orchestrator_settings(
    key: str, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP005", f"`settings.{key}` repeats the orchestrator settings",
                path=path, line=line, column=column,
                fix="keep one `orchestrator` (or `orchestrator.<stack>`) key")


def invalid_config_value(
    message: str, fix: str | None, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP005", message, path=path, line=line, column=column, fix=fix)


def non_string_config_key(
    key: str, path: str | None, line: int | None, column: int | None
) -> Diagnostic:
    return make("FP005", f"key `{key}` must be a string", path=path, line=line, column=column,
                fix="quote the key in YAML, e.g. `\"1\": ...`")


# -- FP008 project-settings --------------------------------------------------------------------
def webhook_without_url(path: str | None) -> Diagnostic:
    return make("FP008", "the webhook alerter is selected but no URL is set", path=path,
                fix="set `alerter-url` in [tool.flowplan] or FLOWPLAN_ALERTER_URL")


def unknown_project_key(
    key: str, close: list[str], known: list[str], path: str | None, line: int | None
) -> Diagnostic:
    return make(
        "FP008",
        f"[tool.flowplan] has the unknown key `{key}`",
        path=path,
        line=line,
        fix=f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}",
    )


def invalid_project_value(
    origin: str, error: str, fix: str, path: str | None, line: int | None
) -> Diagnostic:
    return make("FP008", f"{origin}: {error.lower()}", path=path, line=line, fix=fix)


def project_table_not_table(path: str) -> Diagnostic:
    return make("FP008", "[tool.flowplan] is not a table", path=path)


def unreadable_pyproject(name: str, error: object, path: str) -> Diagnostic:
    return make("FP008", f"{name} cannot be read: {error}", path=path)


# -- FP009 config-file-missing ------------------------------------------------------------
def missing_run_config(source: str) -> Diagnostic:
    return make("FP009", f"run configuration `{source}` does not exist", path=source,
                fix="check the path, relative to the current directory")


def missing_named_run_config(text: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP009", f"run configuration `{text}` does not exist", path=path, line=line,
                fix="check the path; runs resolve it against their working directory")


def not_a_pipeline_spec(spec: str) -> Diagnostic:
    return make("FP009", f"{spec!r} does not name a pipeline",
                fix="write FILE.py:PIPELINE or package.module:PIPELINE")


def missing_attribute(target: str, attr: str, path: str | None) -> Diagnostic:
    return make("FP009", f"{target} has no attribute `{attr}`", path=path,
                fix="check the name after the colon")


def no_such_file(target: str) -> Diagnostic:
    return make("FP009", f"no such file: {target}", fix="check the path")


def unimportable_module(target: str, error: object) -> Diagnostic:
    return make("FP009", f"cannot import {target}: {error}",
                fix="check the module name, or pass a file path")


# -- FP020 load-failed ------------------------------------------------------------------------
def load_failed(target: str, path: str, line: int | None, error: str) -> Diagnostic:
    """FP020: the module-level code of a file the CLI loads (to find a pipeline) raised."""
    if len(error) > 500:
        error = error[:500] + "…"
    return make("FP020", f"loading {target} raised {error}", path=path, line=line,
                fix="run the file with python to see the whole traceback; code meant to run "
                    "only as a script goes under `if __name__ == \"__main__\":`")


# -- FP010 config-too-large --------------------------------------------------------------------
def run_config_too_large(source: str, what: str, line: int | None,
                         column: int | None) -> Diagnostic:
    return make("FP010", f"run configuration {what}", path=source, line=line, column=column,
                fix="write the values out, or use fewer nested aliases (`*name`)")


# -- FP011 unknown-import ----------------------------------------------------------------------
def unknown_import(what: str, close: str | None, path: str, line: int, column: int,
                   ) -> Diagnostic:
    """``what``: the module (or ``module.name``) imported; ``close``: the likely meaning."""
    hint = f"did you mean `{close}`? " if close else ""
    return make("FP011", f"`{what}` does not exist: importing this file fails", path=path,
                line=line, column=column,
                fix=f"{hint}the step/pipeline API is imported from `flowplan` "
                "(`from flowplan import pipeline, step`)")


# -- FP004 unknown-config-key ------------------------------------------------------------------
def unknown_config_key(key: str, path: str | None, line: int | None, column: int | None,
                       fix: str | None) -> Diagnostic:
    """``key`` as the file spells it (dotted); ``fix`` the closest known keys, if any."""
    return make("FP004", f"unknown key `{key}`", path=path, line=line, column=column, fix=fix)


# -- FP006 unknown-step-id / FP007 unknown-parameter -------------------------------------------
def config_unknown_step(step_id: str, owner: str, fix: str, path: str | None, line: int | None,
                        column: int | None) -> Diagnostic:
    """``owner``: ``pipeline `name``` or ``the pipeline``."""
    return make("FP006", f"`steps.{step_id}`: {owner} has no step with id `{step_id}`",
                path=path, line=line, column=column, fix=fix)


def config_unknown_step_parameter(step_id: str, name: str, fix: str, path: str | None,
                                  line: int | None, column: int | None) -> Diagnostic:
    return make("FP007", f"`steps.{step_id}.parameters.{name}`: step `{step_id}` has no "
                f"parameter `{name}`", path=path, line=line, column=column, fix=fix)


def config_unknown_pipeline_parameter(name: str, owner: str, fix: str, path: str | None,
                                      line: int | None, column: int | None) -> Diagnostic:
    return make("FP007", f"`parameters.{name}`: {owner} has no parameter `{name}`",
                path=path, line=line, column=column, fix=fix)
