"""Messages of FP9xx: internal errors (flowplan failed, not the user's code)."""

from __future__ import annotations

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic


# -- FP901 internal-error ----------------------------------------------------------------------
def parsers_disagree(path: str | None) -> Diagnostic:
    return make("FP901", "libcst and ast disagree on the defs", path=path)


def no_runtime() -> Diagnostic:
    return make("FP901", "no runtime is registered to run pipelines (flowplan/__init__.py "
                "registers one)", fix="import flowplan before calling a pipeline or step")


def rule_crashed(rule: str, error: BaseException, at: str, path: str | None) -> Diagnostic:
    return make("FP901", f"rule `{rule}` failed on this file: {type(error).__name__}: "
                f"{_describe(error)}{at}", path=path,
                fix="please report it with the file; the other rules' findings are complete")


def _describe(error: BaseException, limit: int = 300) -> str:
    """``str(error)``, shortened; an error whose text cannot be made (the repr of a deeply
    nested syntax tree exhausts the stack) is described by its type alone."""
    try:
        text = str(error)
    except Exception:  # describing an error must not raise another
        return "(no description)"
    return text if len(text) <= limit else text[:limit] + "..."


def database_failed(error: object, path: str) -> Diagnostic:
    return make("FP901", f"the metadata database failed: {error}", path=path,
                fix="check that the folder is writable and the disk not full; if the file is "
                "damaged, move it aside (runs recorded in it are then forgotten)")


def dashboard_failed(error: BaseException) -> Diagnostic:
    return make("FP901", f"the dashboard failed unexpectedly: {type(error).__name__}: {error}",
                fix="please report it, with the traceback `flow ui` printed")
