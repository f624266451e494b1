"""``get_step_context()``: what a running step (or its hook) can learn about its run."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from flowplan.diagnostics import StepContextError
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.compiler.plan import Invocation
    from flowplan.store.materializers import BaseMaterializer


@dataclass(frozen=True)
class StepRunConfig:
    """The configuration of the running step, as ``get_step_context()`` shows it."""

    parameters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineRunConfig:
    """The configuration of the running pipeline run, as the step context shows it."""

    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepRunInfo:
    """The running step: its invocation id, configuration and attempt number."""

    name: str
    config: StepRunConfig
    attempt: int = 1


@dataclass(frozen=True)
class PipelineRunInfo:
    """The run the step belongs to: its id, name and configuration."""

    id: UUID
    name: str
    config: PipelineRunConfig = field(default_factory=PipelineRunConfig)


@dataclass(frozen=True)
class PipelineInfo:
    """The pipeline the step runs in."""

    name: str


@dataclass
class LoggedLabels:
    """Metadata and tags a running step logged (``log_metadata``, ``add_tags``,
    ``ArtifactConfig``); the driver records them with the step's result."""

    step_metadata: dict[str, Any] = field(default_factory=dict)
    run_metadata: dict[str, Any] = field(default_factory=dict)
    run_tags: list[str] = field(default_factory=list)
    artifact_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # by output
    artifact_tags: dict[str, list[str]] = field(default_factory=dict)  # by output name

    def __bool__(self) -> bool:
        return bool(
            self.step_metadata
            or self.run_metadata
            or self.run_tags
            or self.artifact_metadata
            or self.artifact_tags
        )


@dataclass(frozen=True)
class StepContext:
    """What ``get_step_context()`` returns inside a running step."""

    step_run: StepRunInfo
    pipeline_run: PipelineRunInfo
    pipeline: PipelineInfo
    output_names: tuple[str, ...] = ()
    labels: LoggedLabels = field(default_factory=LoggedLabels)
    output_materializers: dict[str, str | None] = field(default_factory=dict)

    def get_output_materializer(
        self,
        output_name: str | None = None,
        custom_materializer_class: type[BaseMaterializer] | None = None,
        data_type: Any = None,
    ) -> BaseMaterializer:
        """An instance of the materializer that stores output ``output_name`` (the only
        output when omitted): the class given here, the step's ``output_materializers``
        entry, the one registered for ``data_type``, else the JSON materializer."""
        from flowplan.store import materializers as m

        if output_name is None:
            if len(self.output_names) != 1:
                raise StepContextError(runtime.ambiguous_output_materializer(
                    self.step_run.name, len(self.output_names)))
            output_name = self.output_names[0]
        path = self.output_materializers.get(output_name)
        cls: type[BaseMaterializer] | None = custom_materializer_class
        if cls is None and path:
            cls = m.import_materializer(path)
        if cls is None and data_type is not None:
            cls = m.materializer_for(data_type)
        if cls is None:
            cls = m.JsonMaterializer
        return m.create_materializer(cls, pickle_key=_pickle_key)


def build_context(
    inv: Invocation,
    parameters: dict[str, Any],
    run_info: PipelineRunInfo,
    pipeline_info: PipelineInfo,
) -> StepContext:
    """The context of invocation ``inv`` (``parameters``: as recorded, given and defaulted;
    copied, like its ``extra``, so that a step changing its context changes nothing else)."""
    return StepContext(
        step_run=StepRunInfo(
            name=inv.id,
            config=StepRunConfig(parameters=dict(parameters), extra=dict(inv.config.extra)),
        ),
        pipeline_run=run_info,
        pipeline=pipeline_info,
        output_names=tuple(o.name for o in inv.outputs),
        output_materializers={o.name: o.materializer for o in inv.outputs},
    )


class ContextSource(Protocol):
    """What builds a step's context when the step (or its hook) first asks for it (a step's
    task: most steps never ask)."""

    @property
    def context(self) -> StepContext: ...


_CONTEXT: contextvars.ContextVar[StepContext | ContextSource | None] = contextvars.ContextVar(
    "flowplan_step_context", default=None
)


def _pickle_key() -> bytes:
    from flowplan.store.local import LocalStore

    return LocalStore.open(metadata_now=False).pickle_key()


def current_step_context() -> StepContext | None:
    """The context of the step (or hook) running now, or None outside one."""
    ctx = _CONTEXT.get()
    if ctx is None or type(ctx) is StepContext:
        return ctx
    return ctx.context  # type: ignore[union-attr]  # (a source: built now, the first time)


def get_step_context() -> StepContext:
    """The context of the step (or hook) that is running now."""
    ctx = current_step_context()
    if ctx is None:
        raise StepContextError(runtime.no_step_context())
    return ctx


class step_context:
    """``get_step_context()`` returns ``ctx`` inside the ``with`` block -- or, when ``ctx`` is
    a :class:`ContextSource`, the context it builds when first asked (a class, not a
    generator: it runs around every step)."""

    __slots__ = ("_ctx", "_token")

    def __init__(self, ctx: StepContext | ContextSource) -> None:
        self._ctx = ctx

    def __enter__(self) -> None:
        self._token = _CONTEXT.set(self._ctx)

    def __exit__(self, *exc: object) -> None:
        _CONTEXT.reset(self._token)
