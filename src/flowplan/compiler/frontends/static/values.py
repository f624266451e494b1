"""What expressions of a pipeline body evaluate to, statically.

Literal data are plain Python values (lists may hold artifacts, as in the tracer).  A step
output is a :class:`StaticArtifact`, which refuses exactly what the tracer's placeholder
``Artifact`` refuses -- with the same words -- by raising :class:`ArtifactMisuse`, so real
Python operators applied to it report FP204 just as a traced run does.  Anything that cannot
be known without running user code is :class:`Unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from flowplan.compiler.reference import ArtifactReference

if TYPE_CHECKING:
    import ast

    from flowplan.compiler.frontends.static.definitions import PipelineDef, StepDef
    from flowplan.compiler.frontends.static.facts import ModuleFacts


class ArtifactMisuse(Exception):
    """An artifact was used as a value; ``what`` completes "… is <what> inside pipeline"."""

    def __init__(self, artifact: StaticArtifact, what: str) -> None:
        super().__init__(what)
        self.artifact = artifact
        self.what = what


class StaticArtifact(ArtifactReference):
    """A step output in a statically read pipeline body: a reference, not a value."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> StaticArtifact:
        return self

    def _refuse(self, what: str) -> NoReturn:
        raise ArtifactMisuse(self, what)


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known without running user code.

    ``text`` is how it reads when it must be spelled (an id such as ``process_{i}``);
    ``parameter`` names the pipeline parameter it stands for, if any.
    """

    reason: str = "not known statically"
    text: str | None = None
    parameter: str | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Unknown:
        return self


@dataclass(frozen=True, eq=False)
class StepRef:
    """A ``@step`` function, with the options of ``with_options``/``configure`` applied."""

    definition: StepDef
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return self.definition.effective_name(self.options)

    def __repr__(self) -> str:
        return f"<step {self.name}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> StepRef:
        return self


@dataclass(frozen=True, eq=False)
class PipelineRef:
    """A ``@pipeline`` function, with the options of ``with_options``/``configure``."""

    definition: PipelineDef
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return self.definition.effective_name(self.options)

    def __repr__(self) -> str:
        return f"<pipeline {self.name}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> PipelineRef:
        return self


@dataclass(frozen=True, eq=False)
class FunctionRef:
    """A plain function or class defined in a checked module (never called for real)."""

    module: ModuleFacts
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    qualname: str

    def __repr__(self) -> str:
        kind = "class" if type(self.node).__name__ == "ClassDef" else "function"
        return f"<{kind} {self.qualname}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> FunctionRef:
        return self


@dataclass(frozen=True, eq=False)
class ModuleRef:
    """A module bound by an import: a checked file (``facts``) or an outside module."""

    name: str
    facts: ModuleFacts | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> ModuleRef:
        return self


@dataclass(frozen=True, eq=False)
class MethodRef:
    """``obj.name`` for the few methods the front end understands (``with_options``, …)."""

    target: Any
    name: str

    def __deepcopy__(self, memo: dict[int, Any]) -> MethodRef:
        return self


@dataclass(frozen=True)
class RetryValue:
    """A ``StepRetryConfig(...)`` call whose arguments are all known (and valid)."""

    max_retries: int = 1
    delay: float = 0.0
    backoff: float = 1.0


def is_known(value: object) -> bool:
    """Whether ``value`` (recursively, for containers) holds nothing unknown."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(k) and is_known(v) for k, v in value.items())
    return True
