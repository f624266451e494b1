"""One step invocation, start to end: inputs, attempts with retries, outputs, hooks.

``execute_step`` is what a worker runs -- in a thread of the driver, or in a worker process.
It writes artifacts but never run metadata: it returns a ``StepResult`` for the driver.
"""

from __future__ import annotations

import time
import typing
from dataclasses import dataclass, field
from types import MethodType
from typing import TYPE_CHECKING, Any, NamedTuple

from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    Invocation,
    ParameterInput,
    StoredArtifactInput,
)
from flowplan.config.artifact_config import artifact_config
from flowplan.diagnostics import Diagnostic, FlowplanError, StoreError
from flowplan.executor.capture import capture_step
from flowplan.executor.context import (
    LoggedLabels,
    PipelineInfo,
    PipelineRunInfo,
    StepContext,
    build_context,
    step_context,
)
from flowplan.executor.values import fits, parameter_value
from flowplan.interrupts import StepStopped, StepTimedOut, user_code
from flowplan.messages import runtime

if TYPE_CHECKING:
    from collections.abc import Callable

    from flowplan.config.retry_config import StepRetryConfig
    from flowplan.store.artifact_io import ArtifactIO, SavedOutput
    from flowplan.store.records import ArtifactRecord


# A named tuple (cheaper to make than a dataclass, one per attempt), in the functional form:
# class-form fields are text here, which NamedTuple would compile one by one.
Attempt = NamedTuple("Attempt", [  # noqa: UP014
    ("number", int),
    ("started", float),
    ("ended", float),
    ("error", str | None),
])
Attempt.__doc__ = (
    "One attempt of a step: when it started and ended, and the error that ended it (or None)."
)


@dataclass(slots=True)
class StepTask:
    """Everything a worker needs to run one invocation (picklable for worker processes).

    Its step context (``get_step_context()``) is built from ``parameters``, ``run_info`` and
    ``pipeline_info`` when the step or its hook first asks for it: most steps never do."""

    invocation: Invocation
    func: Callable[..., Any]
    inputs: dict[str, Any]  # input name -> artifact record, or list of records (fan-in)
    retry: StepRetryConfig | None
    on_success: Callable[..., Any] | None
    on_failure: Callable[..., Any] | None
    parameters: dict[str, Any]  # as recorded: given, and defaults of the others
    run_info: PipelineRunInfo  # the run's and the pipeline's (shared by its steps)
    pipeline_info: PipelineInfo
    annotations: dict[str, Any] = field(default_factory=dict)
    output_annotations: list[Any] = field(default_factory=list)
    timeout: float | None = None  # seconds the step may run
    # False: a new output file is made durable by the run's writer, with its group, before
    # the group's records commit (a step run in the driver's own process)
    sync_outputs: bool = True
    built_context: StepContext | None = field(default=None, repr=False, compare=False)

    @property
    def context(self) -> StepContext:
        """The step's context (built on first use, then kept with what the step logged)."""
        built = self.built_context
        if built is None:
            built = self.built_context = build_context(
                self.invocation, self.parameters, self.run_info, self.pipeline_info
            )
        return built


@dataclass(slots=True, init=False)
class StepResult:
    """What running one invocation gave: outputs, attempts, captured output, error, warnings."""

    id: str
    ok: bool
    outputs: list[SavedOutput]
    attempts: list[Attempt]
    stdout: str
    stderr: str
    error: str | None
    warnings: list[Diagnostic]
    values: list[Any]  # the outputs themselves (thread workers)
    stopped: bool  # the run stopped the step before it finished (FAIL_FAST)
    echoed: bool  # what it printed was shown as it went (else the driver shows it)
    worker: str | None  # the Dask worker that ran it (None: the driver's machine)
    labels: LoggedLabels | None  # metadata and tags the step logged

    def __init__(  # (by hand: one per step, and cheaper than dataclass's default factories)
        self,
        id: str,
        ok: bool,
        outputs: list[SavedOutput] | None = None,
        attempts: list[Attempt] | None = None,
        stdout: str = "",
        stderr: str = "",
        error: str | None = None,
        warnings: list[Diagnostic] | None = None,
        values: list[Any] | None = None,
        stopped: bool = False,
        echoed: bool = True,
        worker: str | None = None,
        labels: LoggedLabels | None = None,
    ) -> None:
        self.id = id
        self.ok = ok
        self.outputs = [] if outputs is None else outputs
        self.attempts = [] if attempts is None else attempts
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
        self.warnings = [] if warnings is None else warnings
        self.values = [] if values is None else values
        self.stopped = stopped
        self.echoed = echoed
        self.worker = worker
        self.labels = labels


def _arguments(task: StepTask, store: ArtifactIO) -> dict[str, Any]:
    inv = task.invocation
    args: dict[str, Any] = {}
    for name, spec in inv.inputs.items():
        annotation = task.annotations.get(name)
        if isinstance(spec, ParameterInput):
            args[name] = parameter_value(spec.value, annotation)
        elif isinstance(spec, (ArtifactRef, StoredArtifactInput)):
            record = task.inputs[name]
            try:
                value = store.load_artifact(record, recent=True)
            except StoreError as exc:
                value = _load_as_annotated(store, record, annotation, exc)
            # (a value of exactly the annotated class fits: no call to find it out)
            if annotation is not None and type(value) is not annotation and not fits(
                value, annotation
            ):
                raise FlowplanError(runtime.input_type_mismatch(
                    inv.id, name, type(value).__name__, annotation))
            args[name] = value
        elif isinstance(spec, ArtifactListInput):
            item = typing.get_args(annotation)[0] if typing.get_args(annotation) else None
            args[name] = [_load(store, rec, item) for rec in task.inputs[name]]
    return args


def _load(store: ArtifactIO, record: ArtifactRecord, annotation: Any) -> Any:
    """An input's value (see :func:`_load_as_annotated`)."""
    try:
        return store.load_artifact(record, recent=True)
    except StoreError as exc:
        return _load_as_annotated(store, record, annotation, exc)


def _load_as_annotated(
    store: ArtifactIO, record: ArtifactRecord, annotation: Any, error: StoreError
) -> Any:
    """An input whose recorded type cannot be imported here (a script's ``__main__``, which
    a worker process never imports; a module that a Dask worker received by value), loaded
    as the step's annotation says; else ``error`` again."""
    if annotation is None or error.code != "FP511":
        raise error
    return store.load_artifact(record, data_type=annotation, recent=True)


def _output_mismatch(value: Any, annotation: Any, step: str, name: str) -> FlowplanError:
    """FP518: the producing step fails when a value does not fit its return annotation."""
    return FlowplanError(runtime.output_type_mismatch(step, name, type(value).__name__,
                                                      _type_name(annotation)))


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and typing.get_origin(annotation) is None:
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")


def _split_outputs(task: StepTask, value: Any) -> list[Any]:
    inv = task.invocation
    n = len(inv.outputs)
    if n == 0:
        return []
    if n == 1:
        return [value]
    if not isinstance(value, tuple) or len(value) != n:
        got = f"a tuple of {len(value)}" if isinstance(value, tuple) else type(value).__name__
        raise FlowplanError(runtime.output_count(inv.id, n, got))
    return list(value)


def _attempt(task: StepTask, store: ArtifactIO, result: StepResult) -> list[Any]:
    inv = task.invocation
    outputs = inv.outputs
    arguments = _arguments(task, store) if inv.inputs else {}
    with user_code:  # a stop (FAIL_FAST, timeout) reaches the step's code only
        returned = task.func(**arguments)
    values = [returned] if len(outputs) == 1 else _split_outputs(task, returned)
    saved = []
    sync = task.sync_outputs
    for out, value, annotation in zip(
        outputs,
        values,
        task.output_annotations or [None] * len(values),
        strict=True,
    ):
        if annotation is not None and type(value) is not annotation and not fits(
            value, annotation
        ):
            raise _output_mismatch(value, annotation, inv.id, out.name)
        # (a plain class carries no ArtifactConfig: most annotations)
        config = None if type(annotation) is type else artifact_config(annotation)
        if config is not None:
            labels = task.context.labels
            if config.tags:
                labels.artifact_tags.setdefault(out.name, []).extend(config.tags)
            if config.run_metadata:
                labels.artifact_metadata.setdefault(out.name, {}).update(config.run_metadata)
        stored = store.save_output(value, annotation, out.materializer, sync=sync, name=out.name)
        saved.append(stored)
        if stored.warnings:
            result.warnings.extend(stored.warnings)
    result.outputs = saved
    return values


def execute_step(
    task: StepTask,
    store: ArtifactIO,
    should_stop: Callable[[], bool] = lambda: False,
) -> StepResult:
    """Run one invocation with its retries and hooks; never raises for a user error.

    Hooks do not run for a step the run stopped meanwhile (FAIL_FAST).  Each output file is
    durable (written, fsync'd, renamed) before it returns, unless ``task.sync_outputs`` is
    False: the run's writer then makes the new files of a group durable at once, before it
    commits the group's records."""
    result = StepResult(task.invocation.id, False)
    with capture_step() as captured, step_context(task):
        last, values = _attempts(task, store, result, should_stop)
        if _stopping_now(should_stop):  # no hook for a step the run stopped meanwhile
            result.stopped = True
        elif result.ok:
            result.values = values
            if task.on_success is not None:
                from flowplan.executor.hook_calls import run_success_hook

                hook_value = values[0] if len(values) == 1 else (tuple(values) or None)
                result.warnings += run_success_hook(task.on_success, task.invocation.id,
                                                    hook_value)
        elif last is not None:
            from flowplan.executor.hook_calls import run_failure_hook

            result.error = _format(last)
            result.warnings += run_failure_hook(task.on_failure, task.invocation.id, last)
        result.stdout, result.stderr = captured.texts()
        built = task.built_context  # (a step that never asked for it logged nothing)
        if result.ok and built is not None and built.labels:
            result.labels = built.labels
    return result


def _attempts(
    task: StepTask,
    store: ArtifactIO,
    result: StepResult,
    should_stop: Callable[[], bool],
) -> tuple[BaseException | None, list[Any]]:
    """Attempt the step up to ``1 + max_retries`` times, waiting between attempts."""
    attempts = task.retry.attempts if task.retry else 1
    last: BaseException | None = None
    for number in range(1, attempts + 1):
        if number > 1:
            assert task.retry is not None
            if wait_or_stop(task.retry.wait_before(number - 1), should_stop):
                break
        started = time.time()
        try:
            values = _attempt(task, store, result)
        except (StepStopped, StepTimedOut, KeyboardInterrupt):
            raise
        except BaseException as exc:  # any other exception a step raises is its failure
            last = exc
            result.attempts.append(Attempt(number, started, time.time(), _format(exc)))
            continue
        result.attempts.append(Attempt(number, started, time.time(), None))
        result.ok = True
        return None, values
    return last, []


def _stopping_now(should_stop: Callable[[], bool]) -> bool:
    """``should_stop()`` asked anew: a flag that answers from a recent look (a Dask
    worker's, which asks the scheduler at most every so often) offers ``fresh()``."""
    if type(should_stop) is not MethodType:  # (the run's ``Event.is_set`` answers afresh)
        fresh = getattr(should_stop, "fresh", None)
        if callable(fresh):
            return bool(fresh())
    return should_stop()


def wait_or_stop(seconds: float, should_stop: Callable[[], bool]) -> bool:
    """Wait ``seconds``; True when the run asked the step to stop meanwhile."""
    deadline = time.monotonic() + seconds
    while True:
        if should_stop():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, 0.05))


def _format(exc: BaseException) -> str:
    if isinstance(exc, FlowplanError):
        return str(exc)
    import traceback  # only for a step that failed

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
