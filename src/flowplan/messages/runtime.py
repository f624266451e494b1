"""Messages of FP5xx: runs, workers and the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic
from flowplan.messages import closest

_THREAD_ISOLATION = "settings={'orchestrator': {'isolation': 'thread'}}"


# -- FP502 step-failed -------------------------------------------------------------------------
def step_failed(step: str, message: str) -> Diagnostic:
    return make("FP502", f"step `{step}` failed: {message}")


def run_failed(run: str, failures: Mapping[str, str]) -> Diagnostic:
    lines = [f"`{step}`: {error}" for step, error in failures.items()]
    return make("FP502", f"pipeline run {run} failed: {len(failures)} step(s) failed: "
                + "; ".join(lines),
                fix=f"see the logs with: flow runs logs {run} {next(iter(failures), '')}".rstrip())


def background_run_failed(reason: str) -> Diagnostic:
    """The last line of the traceback that ended a background run's process."""
    return make("FP502", reason)


def run_from_worker(pipeline: str) -> Diagnostic:
    return make("FP502", f"pipeline `{pipeline}` was called while a worker process imported "
                "the code of a step; worker processes never run the pipelines a module calls "
                "at import time",
                fix="call the pipeline under `if __name__ == '__main__':` in that module")


def worker_process_failed() -> Diagnostic:
    return make("FP502", "flowplan could not start a worker process for process isolation",
                fix=f"see the error printed above; or run with {_THREAD_ISOLATION}")


def dask_cluster_failed(log_tail: str) -> Diagnostic:
    return make("FP502", "flowplan could not start a Dask LocalCluster for the run: "
                f"{log_tail or 'the helper process reported nothing'}",
                fix="set dask_address (or FLOWPLAN_DASK_ADDRESS) to a running scheduler, "
                "or use the local orchestrator")


# -- FP503 corrupt-artifact --------------------------------------------------------------------
def not_a_content_hash(content_hash: str) -> Diagnostic:
    return make("FP503", f"`{content_hash}` is not a SHA-256 content hash",
                fix="pass the `content_hash` recorded for the artifact")


def missing_artifact_file(content_hash: str, path: str, cache_note: bool = True) -> Diagnostic:
    """``cache_note``: say that the step's cache entry is ignored from now on (local store)."""
    note = " (its cache entry is ignored from now on)" if cache_note else ""
    return make("FP503", f"artifact file is missing (content hash {content_hash[:12]}…)",
                path=path, fix=f"the file was deleted outside flowplan; re-run the step that "
                f"produced it{note}")


def corrupt_artifact_file(actual: str, expected: str, path: str) -> Diagnostic:
    return make("FP503", f"artifact file is corrupt: its content hashes to {actual[:12]}…, "
                f"expected {expected[:12]}…", path=path,
                fix="the file was changed or truncated outside flowplan; delete it and "
                "re-run the step that produced it")


def artifact_write_failed(url: str, error: BaseException, path: str) -> Diagnostic:
    return make("FP503", f"artifact file cannot be written to {url}: "
                f"{type(error).__name__}: {error}", path=path,
                fix="check that the artifact store URL exists and is writable from here")


def artifact_read_failed(error: BaseException, path: str) -> Diagnostic:
    return make("FP503", f"artifact file cannot be read: {type(error).__name__}: {error}",
                path=path,
                fix="check that the artifact store URL is reachable and readable from here")


# -- FP516 snapshot-not-found ------------------------------------------------------------------
def trigger_without_target() -> Diagnostic:
    return make("FP516", "trigger_pipeline needs a snapshot name or id, or a pipeline name",
                fix="pass snapshot_name_or_id=... or pipeline_name_or_id=...")


def snapshot_pipeline_gone(snapshot: str, qualname: str, where: object) -> Diagnostic:
    return make("FP516", f"snapshot `{snapshot}`: pipeline `{qualname}` is no longer found in "
                f"{where}", fix="define the pipeline at module level, or create the snapshot "
                "again")


def unknown_snapshot(name_or_id: object) -> Diagnostic:
    return make("FP516", f"no snapshot has the name or id `{name_or_id}`",
                fix="create one with `my_pipeline.create_snapshot(name=...)`")


def pipeline_without_snapshot(pipeline: str) -> Diagnostic:
    return make("FP516", f"pipeline `{pipeline}` has no snapshot",
                fix=f"create one with `{pipeline}.create_snapshot(name=...)`")


# -- FP580 store-home-unusable -----------------------------------------------------------------
_HOME_FIX = ("point FLOWPLAN_HOME (or `home` in [tool.flowplan]) at a folder you can write, "
             "or unset it to use .flowplan/ at the project root")


def store_home_not_a_folder(home: str, what: str) -> Diagnostic:
    return make("FP580", f"the store's home `{home}` is {what}, not a folder", path=home,
                fix=_HOME_FIX)


def store_home_not_created(home: str, reason: str) -> Diagnostic:
    return make("FP580", f"the store's home `{home}` cannot be created: {reason}", path=home,
                fix=_HOME_FIX)


# -- FP581 store-read-only ---------------------------------------------------------------------
def store_read_only(home: str, doing: str) -> Diagnostic:
    return make("FP581", f"the store at `{home}` is read-only: {doing}", path=home,
                fix="runs recorded there can be listed and read; to record new runs, make the "
                "folder writable or point FLOWPLAN_HOME at a writable copy")


# -- FP582 signing-key-unusable ----------------------------------------------------------------
def signing_key_unreadable(path: str, reason: str) -> Diagnostic:
    return make("FP582", f"the store's pickle signing key cannot be read: {reason}", path=path,
                fix="move the entry aside: a new key is created at first use, and pickles "
                "signed with the old key are refused from then on")


# -- FP560 worker-died -------------------------------------------------------------------------
def worker_died(step: str, worker: str, attempt: int, attempts: int) -> Diagnostic:
    """The Dask worker process running ``step`` died during attempt ``attempt`` of
    ``attempts`` (a segfault, ``os._exit``, the nanny's memory limit)."""
    left = attempts - attempt
    after = (f"{left} attempt(s) left per its `retry`" if left > 0
             else f"no attempt left ({attempts} allowed by its `retry`)")
    return make("FP560", f"step `{step}`: its Dask worker process ({worker}) died while it "
                f"ran (attempt {attempt} of {attempts}; {after})",
                fix="a step that crashes its process (a segfault, os._exit, more memory than "
                "the worker's limit) is retried per its `retry`; give it more memory "
                "(`resources`, or a larger --memory-limit for the workers) or fix the crash")
# -- FP506 input-type-mismatch -----------------------------------------------------------------
def input_type_mismatch(step: str, name: str, type_name: str, annotation: object) -> Diagnostic:
    return make("FP506", f"input `{name}` of step `{step}` received a {type_name}, which does "
                f"not fit its annotation {annotation!r}",
                fix="fix the producing step's output or this step's annotation")


# -- FP507 no-step-context ---------------------------------------------------------------------
def no_step_context() -> Diagnostic:
    return make("FP507", "get_step_context() was called outside a running step or hook",
                fix="call it inside a @step function or one of its on_success/on_failure hooks")


# -- FP513 hook-failed -------------------------------------------------------------------------
def hook_failed(kind: str, hook: str, step: str, error: BaseException) -> Diagnostic:
    return make("FP513", f"{kind} hook `{hook}` of step `{step}` raised "
                f"{type(error).__name__}: {error}",
                fix="fix the hook; the step's status is unchanged")


# -- FP514 output-count ------------------------------------------------------------------------
def output_count(step: str, declared: int, got: str) -> Diagnostic:
    """``got``: what the step returned, e.g. ``a tuple of 3`` or a type name."""
    return make("FP514", f"step `{step}` declares {declared} outputs but returned {got}",
                fix="return a tuple literal with one value per output")


# -- FP555 dask-scheduler-lost -----------------------------------------------------------------
def dask_scheduler_lost(address: str) -> Diagnostic:
    return make("FP555", f"the connection to the Dask scheduler at `{address}` was lost while the "
                "run was going on; steps that were running are recorded as stopped, the rest as "
                "skipped", fix="check that the scheduler is up (and reachable from here), then "
                "run the pipeline again: steps that completed are cache hits")


# -- FP556 dask-no-workers ---------------------------------------------------------------------
def dask_no_workers(address: str, timeout: float) -> Diagnostic:
    return make("FP556", f"no Dask worker joined the scheduler at `{address}` within {timeout:g} s",
                fix=f"start workers (`dask worker {address}`), or raise `dask-worker-timeout` "
                "in [tool.flowplan] (FLOWPLAN_DASK_WORKER_TIMEOUT)")


# -- FP557 dask-store-unreachable --------------------------------------------------------------
def dask_store_unreachable(problems: Mapping[str, str]) -> Diagnostic:
    """``problems``: worker address -> why it cannot write to the artifact store."""
    listed = "; ".join(f"{worker}: {problem}" for worker, problem in sorted(problems.items()))
    return make("FP557", f"{len(problems)} Dask worker(s) cannot write to the run's artifact "
                f"store: {listed}", fix="set `artifact-url` in [tool.flowplan] or "
                "FLOWPLAN_ARTIFACT_URL to a location the driver and every worker share "
                "(s3://bucket/flowplan, or a shared mount), or mount the store's folder at the "
                "same path on every worker")


# -- FP558 dask-process-local-store ------------------------------------------------------------
def dask_process_local_store(url: str | None) -> Diagnostic:
    return make("FP558", f"the artifact store `{url}` lives in one process's memory: Dask "
                "workers are other processes and cannot read or write it",
                fix="set `artifact-url` / FLOWPLAN_ARTIFACT_URL to a location every worker "
                "shares (s3://…, gs://…, a shared mount), or unset it to use the store's folder")


# -- FP559 dask-resources-unavailable ----------------------------------------------------------
def dask_resources_unavailable(listed: str, have: str) -> Diagnostic:
    return make("FP559", f"no Dask worker offers the resources these steps ask for: {listed} "
                f"(the workers offer: {have})",
                fix='start workers that declare them, e.g. `dask worker ADDRESS --resources '
                '"CPU=4 GPU=1 MEMORY=16e9"`, or lower the step\'s `resources` settings')


# -- FP570 ui-not-installed --------------------------------------------------------------------
def ui_not_installed(missing: Sequence[str]) -> Diagnostic:
    verb = "is" if len(missing) == 1 else "are"
    return make("FP570", f"`flow ui` needs {', '.join(missing)}, which {verb} not installed",
                fix="install the dashboard's extra: pip install 'flowplan[ui]'")


# -- FP571 ui-port-unavailable -----------------------------------------------------------------
def ui_port_unavailable(host: str, port: int, reason: str) -> Diagnostic:
    return make("FP571", f"`flow ui` cannot listen on {host}:{port}: {reason}",
                fix="stop the program using that port, or pass another with --port "
                "(--port 0 picks a free one)")


def ambiguous_output_materializer(step: str, outputs: int) -> Diagnostic:
    return make("FP507", f"step `{step}` has {outputs} outputs",
                fix="pass output_name= to get_output_materializer()")


# -- FP518 output-type-mismatch ----------------------------------------------------------------
def output_type_mismatch(step: str, name: str, type_name: str, annotation: str) -> Diagnostic:
    return make("FP518", f"step `{step}` returned a {type_name} for its output `{name}`, which "
                f"does not fit the annotation {annotation}",
                fix="return a value of the annotated type, or correct the return annotation")


# -- FP519 snapshot-code-changed ---------------------------------------------------------------
def snapshot_code_changed(snapshot: str, changes: Sequence[str], where: str,
                          path: str | None) -> Diagnostic:
    return make("FP519", f"snapshot `{snapshot}` was taken of other code: "
                + "; ".join(changes) + f" (in {where})", path=path,
                fix="create the snapshot again to run the code as it is now, or restore the "
                "code the snapshot was taken of")


# -- FP520 unknown-pipeline --------------------------------------------------------------------
def unknown_pipeline(name: str, known: Sequence[str], what: str) -> Diagnostic:
    close = closest(name, known)
    hint = f"did you mean `{close}`? " if close else ""
    return make("FP520", f"pipeline `{name}` {what}",
                fix=f"{hint}list the pipelines with Client().list_pipelines()")


# -- FP521 metadata-target ---------------------------------------------------------------------
def ambiguous_metadata_output(step: str, outputs: int) -> Diagnostic:
    return make("FP521", f"step `{step}` has {outputs} outputs, so which one to label cannot "
                "be inferred", fix="pass artifact_name= with the output's name")


def unknown_metadata_step(run: str, step: str) -> Diagnostic:
    return make("FP521", f"run `{run}` has no step `{step}`", fix="check the step's id")


def metadata_target_missing() -> Diagnostic:
    return make("FP521", "log_metadata/add_tags outside a running step needs a run, an "
                "artifact name or an artifact version id",
                fix="pass run_id_name_or_prefix= (log_metadata) or run= (add_tags), or "
                "artifact_name=")


# -- FP522 step-timeout ------------------------------------------------------------------------
def step_timed_out(step: str, seconds: float, killed: bool) -> Diagnostic:
    how = ("its worker process was killed" if killed else
           "it is stopped at its next line of Python, and anything it returns is ignored")
    return make("FP522", f"step `{step}` did not finish within its timeout of {seconds:g} s; "
                f"{how}", fix="make the step faster, or give it more time: @step(timeout=...) "
                "or the orchestrator setting step_timeout")
