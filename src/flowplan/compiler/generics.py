"""The type variables that make steps and pipelines generic over their function.

``BaseStep[P, R]`` and ``Pipeline[P, R]``: ``P`` the function's parameters, ``R`` its return
type.  Their defaults (``...`` and ``Any``) keep a bare ``BaseStep`` valid under --strict;
defaults exist for type checkers only, so at run time these are typing's own plain kinds.
``FuncP``/``FuncR`` are the decorators' variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import ParamSpec, TypeVar

    P = ParamSpec("P", default=...)
    R = TypeVar("R", covariant=True, default=Any)
else:
    from typing import ParamSpec, TypeVar

    P = ParamSpec("P")
    R = TypeVar("R", covariant=True)

FuncP = ParamSpec("FuncP")
FuncR = TypeVar("FuncR")

__all__ = ["FuncP", "FuncR", "P", "R"]
