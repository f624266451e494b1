"""Messages of FP5xx that the store gives: runs and artifacts it cannot find, pickles it
refuses, schemas it does not know, a database held by another process."""

from __future__ import annotations

from collections.abc import Sequence

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest

_UNTRUSTED_WHY = "unpickling runs arbitrary code, so a pickle of unknown origin is never loaded"
_PATH_FIX = "name a BaseMaterializer subclass as `package.module:ClassName`"
SAVE_FIX = (
    "annotate the output with a type pydantic can serialise, or register a materializer for "
    "it with `register_materializer(type, MaterializerClass)`"
)


def _did_you_mean(wanted: str, known: Sequence[str]) -> str:
    close = closest(wanted, known)
    return f"; did you mean `{close}`?" if close else ""


# -- FP501 duplicate-run-name ------------------------------------------------------------------
def duplicate_run_name(name: str) -> Diagnostic:
    return make("FP501", f"a pipeline run named `{name}` exists already",
                fix="choose another run name, or use the `{date}` and `{time}` placeholders")


# -- FP504 untrusted-pickle --------------------------------------------------------------------
def unsigned_pickle() -> Diagnostic:
    return make("FP504", "refusing to unpickle an artifact that carries no flowplan signature",
                fix="only pickles written by this store are loaded; re-run the step that "
                "produces it", why=_UNTRUSTED_WHY)


def pickle_signature_mismatch() -> Diagnostic:
    return make("FP504", "refusing to unpickle an artifact whose signature does not match this "
                "store's key (it was changed, or written by another store)",
                fix="re-run the step that produces it; copy `secret.key` along with the store "
                "only if you trust every pickle in it", why=_UNTRUSTED_WHY)


def malformed_signing_key(length: int, path: str) -> Diagnostic:
    return make("FP504", f"the store's pickle signing key is malformed ({length} characters)",
                path=path, fix="delete the file; a new key is created, and pickles signed with "
                "the old one are refused from then on")


# -- FP505 pickle-python-version ---------------------------------------------------------------
def pickle_python_version(written_by: str, running: str) -> Diagnostic:
    return make("FP505", f"this pickle artifact was written by Python {written_by} and cannot "
                f"be loaded by Python {running}",
                fix=f"load it with Python {written_by}, or give the output a type annotation "
                "that pydantic can serialise (or a custom materializer) so it is stored portably")


# -- FP508 schema-too-new ----------------------------------------------------------------------
def schema_too_new(version: int, known: int, path: str | None) -> Diagnostic:
    return make("FP508", f"the store's schema is version {version}, newer than this flowplan "
                f"knows (version {known})", path=path,
                fix="upgrade flowplan (`pip install -U flowplan`), or point FLOWPLAN_HOME at "
                "another folder")


# -- FP509 unknown-run -------------------------------------------------------------------------
def unknown_run(wanted: str, names: Sequence[str]) -> Diagnostic:
    """``names``: the runs' names, for a suggestion."""
    return make("FP509", f"no pipeline run has the name or id `{wanted}`"
                + _did_you_mean(wanted, names), fix="list the runs with `flow runs`")


# -- FP510 unknown-artifact-version ------------------------------------------------------------
def unknown_artifact_id(artifact_id: object) -> Diagnostic:
    return make("FP510", f"no artifact version has the id `{artifact_id}`")


def unknown_artifact_name(name: str, version: int | None, names: Sequence[str]) -> Diagnostic:
    """``names``: the artifact names the store has."""
    which = f"version {version} of " if version is not None and name in names else ""
    hint = _did_you_mean(name, names) if name not in names else ""
    return make("FP510", f"no artifact has {which}the name `{name}`{hint}")


# -- FP511 materializer-failed -----------------------------------------------------------------
def materializer_not_importable(path: str, error: object) -> Diagnostic:
    return make("FP511", f"materializer `{path}` cannot be imported: {error}", fix=_PATH_FIX)


def not_a_materializer(path: str) -> Diagnostic:
    return make("FP511", f"`{path}` is not a BaseMaterializer subclass", fix=_PATH_FIX)


def pickle_needs_key() -> Diagnostic:
    return make("FP511", "the pickle materializer needs the store's signing key")


def materializer_not_constructible(path: str, error: object) -> Diagnostic:
    return make("FP511", f"materializer `{path}` cannot be created: {error}",
                fix="a materializer class must be constructible without arguments")


def save_failed(materializer: str, type_name: str, error: object) -> Diagnostic:
    return make("FP511", f"materializer `{materializer}` could not save a `{type_name}`: {error}",
                fix=SAVE_FIX)


def save_not_bytes(path: str) -> Diagnostic:
    return make("FP511", f"materializer `{path}`.save() did not return bytes")


def unloadable_type(data_type: str, error: object) -> Diagnostic:
    """The recorded type of an artifact cannot be imported where it is loaded."""
    return make("FP511", f"its type `{data_type}` cannot be imported here ({error})",
                fix="import the module that defines the type first, or pass `data_type=` when "
                "loading; types defined in a script's `__main__` load only in that script")


def load_failed(materializer: str, error: BaseException) -> Diagnostic:
    return make("FP511", f"materializer `{materializer}` could not load it: "
                f"{type(error).__name__}: {error}",
                fix="load it with the flowplan version and packages that wrote it, or re-run "
                "the step that produced it")


# -- FP512 pickled-output ----------------------------------------------------------------------
def pickled_output(type_name: str, python: str) -> Diagnostic:
    return make("FP512", f"a `{type_name}` output is stored with cloudpickle; only Python "
                f"{python} and this store can load it", fix=SAVE_FIX)


# -- FP515 store-busy --------------------------------------------------------------------------
def store_busy(seconds: float, path: str) -> Diagnostic:
    return make("FP515", f"the store stayed locked by another process for {seconds:g} s",
                path=path,
                fix="wait for the other flowplan process to finish, or stop it if it hangs")


# -- FP517 orphaned-run ------------------------------------------------------------------------
def orphaned_run(pid: int, host: str) -> Diagnostic:
    return make("FP517", f"the process running this run (pid {pid} on {host}) ended without "
                "finishing it", fix="rerun the pipeline: steps that completed are cached")


# -- FP545 ambiguous-run-prefix ----------------------------------------------------------------
def ambiguous_run_prefix(reference: str, matches: Sequence[tuple[str, str]]) -> Diagnostic:
    """``matches``: (id, name) of the runs the prefix matches, newest first."""
    shown = ", ".join(f"{run_id[:12]} ({name})" for run_id, name in matches[:5])
    more = ", ..." if len(matches) > 5 else ""
    return make("FP545", f"the run id prefix `{reference}` matches several runs: {shown}{more}",
                fix=f"type more of the id, e.g. `flow runs show {matches[0][0][:12]}`")
