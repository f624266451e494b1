"""The Plan: flowplan's intermediate representation of one pipeline.

Both front ends (tracing a pipeline function, and reading its source statically) build a
``Plan``; the validator checks it; the executor runs it.  It is a pydantic model that
round-trips through JSON unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PLAN_VERSION = 1

JsonValue = Any  # any JSON value; checked by the validator (DESIGN decision 8)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class SourceLocation(_Model):
    path: str | None = None
    line: int | None = None
    column: int | None = None


class TypeExpr(_Model):
    """A type, independent of the objects behind it: a qualified name and its arguments.

    ``builtins.int``, ``builtins.list`` with ``args``, ``typing.Any``, ``typing.Union``,
    ``mymodule.MyClass`` (``bases``: qualified names of its base classes, when known), or
    ``?`` for a type the front end could not resolve.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    args: tuple[TypeExpr, ...] = ()
    bases: tuple[str, ...] = ()
    text: str | None = None  # how the user wrote it, for messages


class ArtifactRef(_Model):
    kind: Literal["artifact"] = "artifact"
    step: str
    output: str


class ParameterInput(_Model):
    kind: Literal["parameter"] = "parameter"
    value: JsonValue = None
    pipeline_parameter: str | None = None  # set when the value came from a pipeline parameter


class ArtifactListInput(_Model):
    kind: Literal["artifact_list"] = "artifact_list"
    items: list[ArtifactRef]


StepInput = Annotated[ArtifactRef | ParameterInput | ArtifactListInput, Field(discriminator="kind")]


class InputDef(_Model):
    name: str
    type: TypeExpr | None = None
    required: bool = True


class OutputDef(_Model):
    name: str
    type: TypeExpr | None = None
    artifact_name: str
    materializer: str | None = None  # import path of a custom materializer class


class HookRef(_Model):
    """A hook by import path, with the parameters it asks for."""

    path: str
    parameters: list[str] = []


class RetryDef(_Model):
    max_retries: int
    delay: float
    backoff: float


class StepConfig(_Model):
    enable_cache: bool | None = None
    retry: RetryDef | None = None
    on_success: HookRef | None = None
    on_failure: HookRef | None = None
    settings: dict[str, JsonValue] = {}
    extra: dict[str, JsonValue] = {}
    cacheable: bool = True  # False when the code hash cannot cover the step (decision 7)


class StepSource(_Model):
    module: str
    qualname: str
    path: str | None = None
    line: int | None = None


class Invocation(_Model):
    id: str
    step: str
    source: StepSource
    location: SourceLocation = SourceLocation()
    inputs: dict[str, StepInput] = {}
    after: list[str] = []
    input_defs: list[InputDef] = []
    outputs: list[OutputDef] = []
    config: StepConfig = StepConfig()
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


class PipelineConfig(_Model):
    enable_cache: bool | None = None
    execution_mode: str = "continue_on_failure"
    run_name: str | None = None
    substitutions: dict[str, str] = {}
    settings: dict[str, JsonValue] = {}
    on_success: HookRef | None = None
    on_failure: HookRef | None = None
    extra: dict[str, JsonValue] = {}


class Plan(_Model):
    version: int = PLAN_VERSION
    pipeline: str
    source: StepSource
    parameters: dict[str, JsonValue] = {}
    config: PipelineConfig = PipelineConfig()
    invocations: list[Invocation] = []
    outputs: list[ArtifactRef] = []

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
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Plan:
        return cls.model_validate_json(text)

    def fingerprint(self) -> str:
        """A hash of the whole plan, for caching the validator's verdict."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()
