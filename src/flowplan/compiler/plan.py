"""The Plan: flowplan's intermediate representation of one pipeline.

Both front ends (tracing a pipeline function, and reading its source statically) build a
``Plan``; the validator checks it; the executor runs it.  It round-trips through JSON
unchanged.

The classes are plain keyword-only dataclasses, so that a run of an unchanged pipeline never
imports pydantic (about 0.17 s here, half the budget of a whole 100-step process).  Reading a
plan back from JSON (:meth:`Plan.from_json`: stored runs, snapshots) is where outside data
enters, and there pydantic validates it strictly against these same classes: unknown keys
are refused, every field is type-checked, the step inputs are told apart by their ``kind``.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from flowplan.compiler import plan_json
from flowplan.compiler.plan_json import fields_of, reference_checked
from flowplan.compiler.plan_json import jsonable as jsonable  # plan parts as JSON values
from flowplan.digests import sha256_hex

if TYPE_CHECKING:
    from pydantic import TypeAdapter

PLAN_VERSION = 1

JsonValue = Any  # any JSON value; checked by the validator (DESIGN decision 8)

# pydantic reads this from every dataclass it validates (see Plan.from_json).
_STRICT_KEYS: dict[str, str] = {"extra": "forbid"}


@dataclass(kw_only=True)
class SourceLocation:
    """Where something was written: file, 1-based line and column (each may be unknown)."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    path: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass(kw_only=True, frozen=True)
class TypeExpr:
    """A type, independent of the objects behind it: a qualified name and its arguments.

    ``builtins.int``, ``builtins.list`` with ``args``, ``typing.Any``, ``typing.Union``,
    ``mymodule.MyClass`` (``bases``: qualified names of its base classes, when known), or
    ``?`` for a type the front end could not resolve.
    """

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    name: str
    args: tuple[TypeExpr, ...] = ()
    bases: tuple[str, ...] = ()
    text: str | None = None  # how the user wrote it, for messages


@dataclass(kw_only=True)
class ArtifactRef:
    """An input taken from an output of another invocation of the same plan."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    kind: Literal["artifact"] = "artifact"
    step: str
    output: str


@dataclass(kw_only=True)
class ParameterInput:
    """An input given as a JSON value, in the pipeline or from a pipeline parameter."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    kind: Literal["parameter"] = "parameter"
    value: JsonValue = None
    pipeline_parameter: str | None = None  # set when the value came from a pipeline parameter


@dataclass(kw_only=True)
class ArtifactListInput:
    """A list of artifacts as one input (fan-in): the step receives their values in order."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    kind: Literal["artifact_list"] = "artifact_list"
    items: list[ArtifactRef]


@dataclass(kw_only=True)
class StoredArtifactInput:
    """An artifact version already in the store (of an earlier run), passed as an input."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    kind: Literal["stored_artifact"] = "stored_artifact"
    artifact_id: str
    name: str = ""  # the artifact's name and version, for messages
    version: int = 0


# told apart by ``kind``
StepInput = ArtifactRef | ParameterInput | ArtifactListInput | StoredArtifactInput


def stored_artifact(value: object) -> StoredArtifactInput | None:
    """The input for ``value`` when it is an artifact version read from the store (the
    Client's ``ArtifactVersion`` carries ``__flowplan_artifact__``), else None."""
    found = getattr(value, "__flowplan_artifact__", None)
    if not callable(found) or isinstance(value, type):
        return None
    artifact_id, name, version = found()
    return StoredArtifactInput(artifact_id=str(artifact_id), name=str(name), version=int(version))


@dataclass(kw_only=True)
class InputDef:
    """One input of a step's signature: its name, type and whether it must be given."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    name: str
    type: TypeExpr | None = None
    required: bool = True


@dataclass(kw_only=True)
class OutputDef:
    """One output of a step: its name, type, the artifact name it is stored under, materializer."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    name: str
    type: TypeExpr | None = None
    artifact_name: str
    materializer: str | None = None  # import path of a custom materializer class


@dataclass(kw_only=True)
class HookRef:
    """A hook by import path, with the parameters it asks for."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    path: str
    parameters: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class RetryDef:
    """How often and how long apart a failed step is attempted again (``StepRetryConfig``)."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    max_retries: int
    delay: float
    backoff: float


@dataclass(kw_only=True)
class StepConfig:
    """A step's options as compiled: caching, retries, hooks, settings, timeout."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    enable_cache: bool | None = None
    retry: RetryDef | None = None
    on_success: HookRef | None = None
    on_failure: HookRef | None = None
    settings: dict[str, JsonValue] = field(default_factory=dict)
    extra: dict[str, JsonValue] = field(default_factory=dict)
    cacheable: bool = True  # False when the code hash cannot cover the step (decision 7)
    timeout: float | None = None  # seconds the step may run (``@step(timeout=...)``)


@dataclass(kw_only=True)
class StepSource:
    """Where the code of a step or pipeline lives: module, qualified name, file and line."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    module: str
    qualname: str
    path: str | None = None
    line: int | None = None


@dataclass(kw_only=True)
class Invocation:
    """One call of a step in a pipeline: its id, inputs, outputs, configuration and code hash."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    id: str
    step: str
    source: StepSource
    location: SourceLocation = field(default_factory=SourceLocation)
    inputs: dict[str, StepInput] = field(default_factory=dict)
    after: list[str] = field(default_factory=list)
    input_defs: list[InputDef] = field(default_factory=list)
    outputs: list[OutputDef] = field(default_factory=list)
    config: StepConfig = field(default_factory=StepConfig)
    code_hash: str = ""

    def upstream(self) -> list[str]:
        """Ids this invocation waits for: producers of its artifacts, then ``after=`` ids."""
        seen: dict[str, None] = {}
        for value in self.inputs.values():
            if isinstance(value, ArtifactRef):
                seen[value.step] = None
            elif isinstance(value, ArtifactListInput):
                for item in value.items:
                    seen[item.step] = None
        for dep in self.after:
            seen[dep] = None
        return list(seen)

    def output(self, name: str) -> OutputDef | None:
        for out in self.outputs:
            if out.name == name:
                return out
        return None


@dataclass(kw_only=True)
class PipelineConfig:
    """A pipeline's options as compiled: caching, execution mode, run name, hooks, tags."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    enable_cache: bool | None = None
    execution_mode: str = "continue_on_failure"
    run_name: str | None = None
    substitutions: dict[str, str] = field(default_factory=dict)
    settings: dict[str, JsonValue] = field(default_factory=dict)
    on_success: HookRef | None = None
    on_failure: HookRef | None = None
    extra: dict[str, JsonValue] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # given to each run of the pipeline


@dataclass(kw_only=True)
class Plan:
    """One compiled pipeline: its invocations in call order, parameters and configuration."""

    __pydantic_config__: ClassVar[dict[str, str]] = _STRICT_KEYS

    version: int = PLAN_VERSION
    pipeline: str
    source: StepSource
    parameters: dict[str, JsonValue] = field(default_factory=dict)
    config: PipelineConfig = field(default_factory=PipelineConfig)
    invocations: list[Invocation] = field(default_factory=list)
    outputs: list[ArtifactRef] = field(default_factory=list)

    def invocation(self, id: str) -> Invocation:
        for inv in self.invocations:
            if inv.id == id:
                return inv
        raise KeyError(id)

    def ids(self) -> list[str]:
        return [inv.id for inv in self.invocations]

    def edges(self) -> list[tuple[str, str]]:
        """(upstream id, downstream id) for data and ``after=`` dependencies."""
        return [(dep, inv.id) for inv in self.invocations for dep in inv.upstream()]

    def to_json(self, indent: int | None = None) -> str:
        """The plan's JSON, the same as ``json.dumps(jsonable(plan))``; the compact form is
        written by :mod:`flowplan.compiler.plan_json`."""
        if indent is not None:
            return json.dumps(self, indent=indent, separators=(",", ": "), default=fields_of)
        try:
            return plan_json.compact(self)
        except RecursionError:  # a value that holds itself: the checking encoder says so
            return reference_checked(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Plan:
        """A plan from its JSON, validated (``pydantic.ValidationError`` when it is not one)."""
        return _plan_adapter().validate_json(text)

    def fingerprint(self) -> str:
        """A hash of the whole plan, for caching the validator's verdict."""
        return plan_hash(self.to_json())


def plan_hash(text: str) -> str:
    """The hash of a plan's JSON (:meth:`Plan.to_json`): its fingerprint.

    The latest plans' hashes are kept by their text: a run of an unchanged pipeline writes
    the same text, and finding it (one pass of the string hash, one comparison) costs a
    tenth of hashing it again."""
    known = _HASHED.get(text)
    if known is not None:
        return known
    digest = sha256_hex(text.encode())
    if len(text) <= HASHED_TEXT:
        with _HASHED_LOCK:
            _HASHED[text] = digest
            while len(_HASHED) > HASHED_PLANS or sum(map(len, _HASHED)) > HASHED_TEXT:
                del _HASHED[next(iter(_HASHED))]  # the oldest
    return digest


HASHED_PLANS = 8  # plans whose hash is kept
HASHED_TEXT = 1 << 24  # characters of JSON they may hold in all
_HASHED: dict[str, str] = {}
_HASHED_LOCK = threading.Lock()


@functools.cache
def _plan_adapter() -> TypeAdapter[Plan]:
    from pydantic import TypeAdapter

    return TypeAdapter(Plan)


plan_json.register(
    plan=Plan, invocation=Invocation, location=SourceLocation, ref=ArtifactRef, output=OutputDef,
    shared=(TypeExpr, StepSource, StepConfig),  # what the calls of one step share
    plain=(ParameterInput, ArtifactListInput, StoredArtifactInput, InputDef, HookRef, RetryDef,
           PipelineConfig),
)
