"""The catalog of diagnostic codes.  A code is never reused; retired codes stay listed.

Ranges: FP0xx input/syntax/config files, FP1xx step definitions, FP2xx pipeline wiring and the
DAG, FP3xx parameters and settings, FP5xx runtime and store, FP8xx lint-only advice, FP9xx
internal errors.

Each code's explanation (what it means, an example, the fix) is ``explanations/FPxxx.md``
beside this module: ``flow rule FPxxx`` prints it, and ``python -m
flowplan.cli.diagnostics_doc > docs/diagnostics.md`` writes the catalog page from the same
files (a test keeps it current).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flowplan.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class Code:
    """One entry of the catalog: a stable code, its kebab-case name, what it means."""

    code: str
    name: str
    summary: str
    severity: Severity = Severity.ERROR


_E = Severity.ERROR
_W = Severity.WARNING

CATALOG: dict[str, Code] = {
    c.code: c
    for c in [
        # FP0xx -- input files, syntax, configuration files
        Code("FP001", "syntax-error", "a checked Python file does not parse"),
        Code("FP002", "unreadable-file", "a file cannot be read or decoded"),
        Code("FP003", "yaml-syntax", "a YAML configuration file is malformed"),
        Code("FP004", "config-unknown-key", "a configuration holds a key flowplan does not know"),
        Code("FP005", "config-invalid-value", "a configuration value has the wrong type or range"),
        Code(
            "FP006", "config-unknown-step", "a run configuration names a step id the pipeline lacks"
        ),
        Code("FP007", "config-unknown-parameter", "a run configuration sets an unknown parameter"),
        Code("FP008", "project-settings", "[tool.flowplan] or a FLOWPLAN_* variable is invalid"),
        Code("FP009", "config-file-missing", "a configuration file does not exist"),
        Code("FP010", "config-too-large", "a run configuration's aliases expand past the bounds"),
        Code("FP011", "unknown-import", "an import names a flowplan module that does not exist"),
        Code("FP020", "load-failed", "a file loaded to find a pipeline raised an exception"),
        # FP1xx -- step definitions
        Code("FP101", "missing-annotation", "a step input or output lacks a type annotation"),
        Code(
            "FP102",
            "variadic-tuple-outputs",
            "Tuple[T, ...] annotation with a tuple-literal return",
        ),
        Code(
            "FP103",
            "tuple-arity-mismatch",
            "a tuple-literal return's length differs from the annotation",
        ),
        Code("FP104", "mixed-return-shapes", "some returns are tuple literals and others are not"),
        Code("FP105", "duplicate-output-name", "two outputs of one step share a name"),
        Code(
            "FP106", "invalid-output-annotation", "Annotated output metadata is not one string name"
        ),
        Code(
            "FP107", "source-unavailable", "a step's source cannot be read; bytecode is hashed", _W
        ),
        Code("FP108", "invalid-hook", "a hook is not callable or has an unsupported signature"),
        Code("FP109", "not-a-function", "@step or @pipeline is applied to something else"),
        Code(
            "FP110", "unsupported-step-signature", "a step uses *args, **kwargs or reserved names"
        ),
        Code("FP111", "invalid-retry", "StepRetryConfig holds invalid values"),
        Code(
            "FP112", "invalid-materializer", "an output materializer is invalid or names no output"
        ),
        Code(
            "FP113",
            "uncacheable-closure",
            "a step closes over values that cannot join its cache key",
            _W,
        ),
        Code("FP114", "invalid-option", "an unknown or ill-typed option was passed to a decorator"),
        Code(
            "FP131",
            "materializer-count",
            "output_materializers lists a different number of materializers than outputs",
        ),
        Code("FP132", "invalid-timeout", "a step's timeout is not a positive number of seconds"),
        # FP2xx -- pipeline wiring and the DAG
        Code("FP201", "cycle", "the steps' dependencies form a cycle"),
        Code("FP202", "unknown-after", "after= names an invocation id that does not exist (yet)"),
        Code("FP203", "duplicate-id", "two step invocations share an id"),
        Code("FP204", "artifact-as-value", "an artifact is used as a value inside a pipeline body"),
        Code("FP205", "unpack-outputs", "unpacking a step call does not match its outputs"),
        Code("FP206", "type-mismatch", "an artifact's type does not fit the input it feeds"),
        Code("FP207", "missing-input", "a required step input is not given"),
        Code("FP208", "unknown-argument", "a step call passes an argument the step does not take"),
        Code(
            "FP209",
            "too-many-arguments",
            "a step call passes more positional arguments than inputs",
        ),
        Code("FP210", "duplicate-argument", "a step input is given twice"),
        Code("FP211", "foreign-artifact", "an artifact from another pipeline or compile is used"),
        Code("FP212", "invalid-id", "a step invocation id is empty or not a string"),
        Code(
            "FP213", "pipeline-arguments", "a pipeline is called with unknown or missing parameters"
        ),
        Code("FP214", "step-outside-pipeline-body", "a step object is used where a call is meant"),
        Code("FP215", "invalid-after", "after= holds something other than artifacts or id strings"),
        Code("FP216", "no-outputs", "the result of a step without outputs is used as an input"),
        Code("FP217", "pipeline-return", "a pipeline returns something other than artifacts"),
        Code("FP218", "unknown-artifact", "an input refers to a step output that does not exist"),
        Code("FP230", "empty-pipeline", "a pipeline that is run or compiled calls no step"),
        # FP3xx -- parameters and settings
        Code("FP301", "non-json-parameter", "a parameter is not JSON-serialisable"),
        Code("FP302", "set-parameter", "a parameter is a set, whose order is unstable"),
        Code("FP303", "run-name-placeholder", "a run name uses an unknown placeholder"),
        Code("FP304", "invalid-settings", "settings hold an unknown key or a wrong value"),
        Code("FP305", "invalid-execution-mode", "execution_mode is not an ExecutionMode"),
        Code("FP306", "parameter-type", "a parameter value does not fit its annotation"),
        Code("FP332", "step-dask-address", "a single step sets dask_address"),
        Code("FP340", "invalid-run-name", "a run name is empty, too long, or holds a control "
             "character or a path separator"),
        Code(
            "FP315",
            "artifact-name-placeholder",
            "an output or artifact name uses an unknown placeholder",
        ),
        Code(
            "FP316",
            "parameter-conflict",
            "a parameter is given different values in code and in configuration",
        ),
        # FP5xx -- runtime and store
        Code("FP501", "duplicate-run-name", "a run with this name exists already"),
        Code("FP502", "step-failed", "a step raised an exception"),
        Code("FP503", "corrupt-artifact", "an artifact file is missing or its content changed"),
        Code("FP504", "untrusted-pickle", "a pickle artifact was not signed by this store"),
        Code("FP505", "pickle-python-version", "a pickle artifact was written by another Python"),
        Code("FP506", "input-type", "a value loaded at run time does not fit the step input"),
        Code("FP507", "no-step-context", "get_step_context() is called outside a step or hook"),
        Code("FP508", "store-schema", "the store's schema is newer than this flowplan"),
        Code("FP509", "run-not-found", "no pipeline run has this name or id"),
        Code("FP510", "artifact-not-found", "no artifact version has this name, version or id"),
        Code("FP511", "materializer-failed", "a materializer could not save or load a value"),
        Code("FP512", "pickle-fallback", "an output is stored with cloudpickle", _W),
        Code("FP513", "hook-failed", "a hook raised; the step's status is unchanged", _W),
        Code(
            "FP514", "output-count", "a step returned a different number of values than it declares"
        ),
        Code("FP515", "store-busy", "the store stayed locked by another process"),
        Code("FP516", "snapshot-not-found", "no snapshot has this name or id"),
        Code("FP517", "run-orphaned", "the process running a run ended without finishing it", _W),
        Code("FP545", "ambiguous-run-reference", "a run id prefix matches several runs"),
        Code("FP555", "cluster-lost", "the connection to the Dask scheduler was lost during a run"),
        Code("FP556", "no-workers", "no Dask worker joined the scheduler in time"),
        Code(
            "FP557",
            "foreign-artifact-location",
            "a Dask worker would write artifacts where the driver cannot read them",
        ),
        Code(
            "FP558",
            "process-local-artifact-store",
            "a process-local artifact store (memory://) is used with a Dask cluster",
        ),
        Code("FP559", "missing-resources", "no Dask worker offers the resources a step asks for"),
        Code("FP560", "worker-died", "the Dask worker process running a step died"),
        Code(
            "FP580", "store-home-unusable", "the store's folder is not a folder or cannot be made"
        ),
        Code("FP581", "store-read-only", "the store is read-only: runs can be read, not recorded"),
        Code("FP582", "signing-key-unusable", "the store's pickle signing key cannot be read"),
        Code("FP518", "output-type", "a step returned a value that does not fit its annotation"),
        Code("FP519", "snapshot-code-changed", "a snapshot's step code changed since it was taken"),
        Code("FP520", "pipeline-not-found", "the store has no run of a pipeline of this name"),
        Code("FP521", "metadata-target", "log_metadata or add_tags cannot tell what to label"),
        Code("FP522", "step-timeout", "a step ran longer than its timeout and was stopped"),
        Code("FP570", "ui-extra-missing", "`flow ui` needs the ui extra, which is not installed"),
        Code("FP571", "ui-address-unavailable", "`flow ui` cannot listen on the address asked for"),
        # FP8xx -- lint-only advice
        Code("FP801", "step-name-alias", "step_name= is used where id= is meant", _W),
        Code(
            "FP802",
            "nondeterministic-cached-step",
            "a cached step reads clock, randomness, environment or network",
            _W,
        ),
        Code("FP803", "mutable-default", "a step parameter has a mutable default", _W),
        Code(
            "FP804",
            "step-call-at-import",
            "a step is called outside any pipeline at import time",
            _W,
        ),
        # FP9xx -- internal errors
        Code("FP901", "internal-error", "flowplan failed unexpectedly; please report it"),
    ]
}


def lookup(code: str) -> Code:
    return CATALOG[code]


def _explanation_file(name: str) -> str:
    from importlib.resources import files

    return (files("flowplan") / "explanations" / name).read_text(encoding="utf-8")


def explanation(code: str) -> str:
    """What ``code`` means, why, an example and the fix (markdown)."""
    return _explanation_file(f"{CATALOG[code].code}.md")


def diagnostics_markdown() -> str:
    """``docs/diagnostics.md``: the introduction, then every code in catalog order."""
    sections = [f"## {c.code} {c.name}\n\n{explanation(c.code)}" for c in CATALOG.values()]
    return _explanation_file("_intro.md") + "\n" + "\n".join(sections)


def make(
    code: str,
    message: str,
    *,
    path: str | None = None,
    line: int | None = None,
    column: int | None = None,
    fix: str | None = None,
    why: str | None = None,
    severity: Severity | None = None,
    end_line: int | None = None,
    end_column: int | None = None,
    subjects: Sequence[str] = (),
) -> Diagnostic:
    """Build a diagnostic whose severity defaults to the catalog's."""
    entry = CATALOG[code]
    return Diagnostic(
        code=code,
        message=message,
        path=path,
        line=line,
        column=column,
        severity=severity or entry.severity,
        fix=fix,
        why=why,
        end_line=end_line,
        end_column=end_column,
        subjects=tuple(subjects),
    )
