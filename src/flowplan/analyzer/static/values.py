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

if TYPE_CHECKING:
    import ast

    from flowplan.analyzer.static.definitions import PipelineDef, StepDef
    from flowplan.analyzer.static.facts import ModuleFacts


class ArtifactMisuse(Exception):
    """An artifact was used as a value; ``what`` completes "… is <what> inside pipeline"."""

    def __init__(self, artifact: StaticArtifact, what: str) -> None:
        super().__init__(what)
        self.artifact = artifact
        self.what = what


class StaticArtifact:
    """A step output in a statically read pipeline body: a reference, not a value."""

    __slots__ = ("_output", "_step")

    def __init__(self, step: str, output: str | None) -> None:
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_output", output)

    @property
    def invocation_id(self) -> str:
        return str(object.__getattribute__(self, "_step"))

    @property
    def output_name(self) -> str | None:
        out: str | None = object.__getattribute__(self, "_output")
        return out

    def __repr__(self) -> str:
        output = self.output_name
        return (
            f"<artifact {self.invocation_id}.{output}>"
            if output
            else f"<step run {self.invocation_id}>"
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __deepcopy__(self, memo: dict[int, Any]) -> StaticArtifact:
        return self

    def _refuse(self, what: str) -> NoReturn:
        raise ArtifactMisuse(self, what)

    def __bool__(self) -> bool:
        self._refuse("used as a condition")

    def __iter__(self) -> NoReturn:
        self._refuse("iterated")

    def __len__(self) -> int:
        self._refuse("measured with len()")

    def __contains__(self, item: object) -> bool:
        self._refuse("searched with `in`")

    def __getitem__(self, key: object) -> NoReturn:
        self._refuse("indexed")

    def __setitem__(self, key: object, value: object) -> None:
        self._refuse("assigned into")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._refuse(f"asked for its attribute `{name}`")

    def __setattr__(self, name: str, value: object) -> None:
        self._refuse(f"given an attribute `{name}`")

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        self._refuse("called")

    def __int__(self) -> int:
        self._refuse("converted with int()")

    def __float__(self) -> float:
        self._refuse("converted with float()")

    def __index__(self) -> int:
        self._refuse("used as an index")

    def __lt__(self, other: object) -> bool:
        self._refuse("compared")

    __le__ = __gt__ = __ge__ = __lt__


def _binary(name: str) -> Any:
    def refuse(self: StaticArtifact, *other: object) -> NoReturn:
        self._refuse(f"used in arithmetic (`{name}`)")

    refuse.__name__ = name
    return refuse


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
            "xor", "lshift", "rshift"):
    for _name in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        setattr(StaticArtifact, _name, _binary(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(StaticArtifact, _name, _binary(_name))


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
