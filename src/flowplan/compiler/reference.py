"""The step-output reference both pipeline front ends hand to the pipeline body.

Inside a pipeline body a step output is a reference, not a value: every use as a value --
``if a:``, ``a + 1``, ``a["k"]``, ``for x in a`` -- goes through :meth:`_refuse` with the same
words, so the tracer (:class:`flowplan.compiler.placeholders.Artifact`) and the static front
end of ``flow check`` (:class:`flowplan.compiler.frontends.static.values.StaticArtifact`) report
it alike and differ only in how they raise.
"""

from __future__ import annotations

from typing import Any, NoReturn


class ArtifactReference:
    """A step output (``output`` set) or a step run without outputs (``output`` None)."""

    __slots__ = ("_output", "_step")
    _output: str | None
    _step: str

    def __init__(self, step: str, output: str | None) -> None:
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_output", output)

    @property
    def invocation_id(self) -> str:
        return str(self._step)

    @property
    def output_name(self) -> str | None:
        return self._output

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

    def _refuse(self, what: str) -> NoReturn:
        """Raise for a use as a value; ``what`` completes "… is <what> inside pipeline"."""
        raise NotImplementedError

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


def _operator(name: str) -> Any:
    def refuse(self: ArtifactReference, *other: object) -> NoReturn:
        self._refuse(f"used in arithmetic (`{name}`)")

    refuse.__name__ = name
    return refuse


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
            "xor", "lshift", "rshift"):
    for _name in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        setattr(ArtifactReference, _name, _operator(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(ArtifactReference, _name, _operator(_name))


def holds_reference(value: object) -> bool:
    """Whether a (nested) list, tuple or dict holds a step-output reference."""
    if isinstance(value, ArtifactReference):
        return True
    if isinstance(value, (list, tuple)):
        return any(holds_reference(v) for v in value)
    if isinstance(value, dict):
        return any(holds_reference(v) for v in value.values())
    return False
