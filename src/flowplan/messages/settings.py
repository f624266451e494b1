"""Messages of FP3xx: parameters and settings (orchestrator, artifact store, execution mode)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest

INSTALL_DASK = "pip install 'flowplan[dask]'"
_ORCHESTRATOR_KEYS = ("orchestrator settings: synchronous (bool), max_workers (int >= 1), "
                      "isolation ('thread' or 'process'), dask_address (str)")


# -- FP304 invalid-settings --------------------------------------------------------------------
def unknown_setting(
    owner: str, key: str, known: Sequence[str], path: str | None, line: int | None
) -> Diagnostic:
    close = closest(key, known)
    return make("FP304", f"settings of {owner} have the unknown key `{key}`", path=path,
                line=line, fix=f"did you mean `{close}`?" if close
                else f"known settings: {', '.join(known)}")


def invalid_setting(
    owner: str, key: str, loc: str, error: str, path: str | None, line: int | None
) -> Diagnostic:
    return make("FP304", f"settings of {owner}: `{key}.{loc}` {error.lower()}", path=path,
                line=line, fix=_ORCHESTRATOR_KEYS)


def invalid_resources(owner: str, problem: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP304", f"settings of {owner}: `resources` {problem}", path=path, line=line,
                fix="resources settings: cpu_count (number > 0), gpu_count (int >= 0), memory "
                '(a size such as "4GB"), e.g. ResourceSettings(cpu_count=2, memory="4GB")')


def dask_not_installed() -> Diagnostic:
    return make("FP304", "the Dask orchestrator is selected, but dask.distributed is not "
                "installed", fix=f"{INSTALL_DASK}, or use the local orchestrator (remove "
                "dask_address and `orchestrator = \"dask\"`)")


def dask_unreachable(address: str, error: BaseException) -> Diagnostic:
    return make("FP304", f"cannot connect to the Dask scheduler at `{address}`: "
                f"{type(error).__name__}: {error}",
                fix="start the scheduler (`dask scheduler`), or fix dask_address / "
                "FLOWPLAN_DASK_ADDRESS")


def process_isolation_unsupported() -> Diagnostic:
    return make("FP304", "isolation 'process' needs os.fork and descriptor passing, which "
                "this platform lacks", fix="use settings={'orchestrator': {'isolation': "
                "'thread'}}")


def fsspec_not_installed(url: str) -> Diagnostic:
    return make("FP304", f"the artifact store URL `{url}` needs fsspec, which is not installed",
                fix=INSTALL_DASK)


def unusable_artifact_url(url: str, error: object) -> Diagnostic:
    return make("FP304", f"the artifact store URL `{url}` cannot be used: {error}",
                fix="install the fsspec implementation of its protocol (s3fs for s3://, gcsfs "
                "for gs://, adlfs for az://), or fix the URL in `artifact-url` / "
                "FLOWPLAN_ARTIFACT_URL")


# -- FP305 invalid-execution-mode --------------------------------------------------------------
def execution_mode_not_enum(value: object, path: str | None, line: int | None) -> Diagnostic:
    return make("FP305", f"execution_mode must be an ExecutionMode, not {value!r}",
                path=path, line=line,
                fix="use ExecutionMode.CONTINUE_ON_FAILURE, STOP_ON_FAILURE or FAIL_FAST")


def unknown_execution_mode(
    pipeline: str, mode: object, path: str | None, line: int | None
) -> Diagnostic:
    return make("FP305", f"pipeline `{pipeline}` has the unknown execution mode {mode!r}",
                path=path, line=line, fix="use continue_on_failure, stop_on_failure or fail_fast")


# -- FP332 step-dask-address -------------------------------------------------------------------
def step_dask_address(owner: str, path: str | None, line: int | None) -> Diagnostic:
    return make("FP332", f"settings of {owner} set `dask_address`: a run uses one Dask cluster, "
                "chosen by the pipeline, so a step cannot send itself elsewhere", path=path,
                line=line, fix="set `dask_address` in the pipeline's orchestrator settings (or "
                "FLOWPLAN_DASK_ADDRESS); to keep a step on particular workers, give it "
                '`settings={"resources": ...}` and start those workers with `--resources`')


# -- FP340 invalid-run-name --------------------------------------------------------------------
def invalid_run_name(
    name: str, reason: str, pipeline: str, path: str | None = None, line: int | None = None
) -> Diagnostic:
    shown = name if len(name) <= 60 else name[:57] + "..."
    return make("FP340", f"run name {shown!r} of pipeline `{pipeline}` {reason}",
                path=path, line=line,
                fix="use a single-line name of at most 200 characters without `/` or `\\`; "
                "placeholders such as {date} and {time} keep names unique")


# -- FP301 parameter-not-json ------------------------------------------------------------------
def parameter_not_json(name: str, owner: str, type_name: str, part: str,
                       where: tuple[str | None, int | None, int | None]) -> Diagnostic:
    """``part``: where in the value the offending ``type_name`` sits, e.g. `` (at x[0])``."""
    return make("FP301", f"parameter `{name}` of {owner} is a {type_name}{part}, which is not "
                "JSON-serialisable", path=where[0], line=where[1], column=where[2],
                fix="pass JSON data (str, int, float, bool, None, lists, dicts with str keys), "
                "annotate the input with a type pydantic can serialise, or produce the value in "
                "a step and pass the artifact")


# -- FP302 parameter-is-set --------------------------------------------------------------------
def parameter_is_set(name: str, owner: str, type_name: str,
                     where: tuple[str | None, int | None, int | None]) -> Diagnostic:
    return make("FP302", f"parameter `{name}` of {owner} is a {type_name}; sets have no JSON "
                "form and an unstable order", path=where[0], line=where[1], column=where[2],
                fix=f"pass a sorted list instead: sorted({name})")


def parameter_holds_set(name: str, owner: str, part: str,
                        where: tuple[str | None, int | None, int | None]) -> Diagnostic:
    return make("FP302", f"parameter `{name}` of {owner} holds a set{part}", path=where[0],
                line=where[1], column=where[2], fix="pass a sorted list instead")


# -- FP303 invalid-run-name --------------------------------------------------------------------
def malformed_run_name(template: str, pipeline: str, reason: str, path: str | None,
                       line: int | None) -> Diagnostic:
    return make("FP303", f"run name {template!r} of pipeline `{pipeline}` is malformed: {reason}",
                path=path, line=line,
                fix="write placeholders as {name}, literal braces as {{ }}")


def unknown_placeholder(template: str, pipeline: str, name: str, known: Sequence[str],
                        path: str | None, line: int | None) -> Diagnostic:
    listed = ", ".join(f"{{{a}}}" for a in known)
    return make("FP303", f"run name {template!r} of pipeline `{pipeline}` uses the unknown "
                f"placeholder {{{name}}}", path=path, line=line,
                fix=f"known placeholders: {listed}; add others with substitutions={{...}}")


# -- FP306 parameter-type-mismatch -------------------------------------------------------------
def parameter_type_mismatch(name: str, owner: str, value: object, annotation: str, reason: str,
                            where: tuple[str | None, int | None, int | None]) -> Diagnostic:
    """``annotation`` as written; ``reason`` pydantic's first complaint."""
    return make("FP306", f"parameter `{name}` of {owner} is {value!r}, which does not fit its "
                f"annotation {annotation}: {reason.lower()}", path=where[0], line=where[1],
                column=where[2], fix=f"pass a value of type {annotation}, or change the annotation")


# -- FP315 invalid-artifact-name ---------------------------------------------------------------
def malformed_artifact_name(what: str, reason: str, at: Mapping[str, Any]) -> Diagnostic:
    """``what``: ``output name '...' of step `x```; ``at``: its location keywords."""
    return make("FP315", f"{what} is malformed: {reason}", **at,
                fix="write placeholders as {name}, literal braces as {{ }}")


def unknown_artifact_placeholder(what: str, name: str, known: Sequence[str],
                                 at: Mapping[str, Any]) -> Diagnostic:
    return make("FP315", f"{what} uses the unknown placeholder {{{name}}}", **at,
                fix=_known_placeholders(known))


def _known_placeholders(known: Sequence[str]) -> str:
    listed = ", ".join(f"{{{a}}}" for a in known)
    return f"known placeholders: {listed}; add others with substitutions={{...}}"


# -- FP316 parameter-conflict ------------------------------------------------------------------
def parameter_conflict(
    owner: str,
    name: str,
    configured: Any,
    given: Any,
    where: tuple[str | None, int | None] | tuple[str | None, int | None, int | None],
    *,
    configured_in: str = "its configuration (parameters=)",
) -> Diagnostic:
    """One parameter given two different values, in code and in configuration."""
    return make("FP316", f"parameter `{name}` of {owner} is {given!r} in the call but "
                f"{configured!r} in {configured_in}", path=where[0], line=where[1],
                column=where[2] if len(where) > 2 else None,
                fix="give the parameter in one place only, or give both the same value")
