"""What a plain Python function takes, read from its code object, as :mod:`inspect` reads it.

A run asks a few questions of the functions it is given -- is it a function, a generator or a
coroutine, what parameters does it take, which have defaults, how do a call's arguments bind
to them.  :mod:`inspect` answers them all, but importing it (with :mod:`ast`, :mod:`dis` and
:mod:`tokenize`, which it loads) costs a tenth of a whole 100-step process.  For a *plain*
function -- a ``def`` or ``lambda`` that no decorator wrapped (no ``__wrapped__``) and that
carries no ``__signature__``, ``__text_signature__`` or ``_partialmethod`` of its own --
:func:`inspect.signature` reads exactly what is read here: the code object's argument counts
and names, its flags, ``__defaults__`` and ``__kwdefaults__``.  Anything else, and any call
that does not bind, is handed to :mod:`inspect` itself (imported then), so answers and errors
stay those of :mod:`inspect`.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeGuard

# Code flags (``inspect.CO_*``): the function takes *args / **kwargs, is a generator /
# coroutine.
_VARARGS, _VARKEYWORDS, _GENERATOR, _COROUTINE = 0x04, 0x08, 0x20, 0x80
_OWN_SIGNATURE = ("__wrapped__", "__signature__", "__text_signature__", "_partialmethod")

#: A parameter: its name, its kind (the lower-case name of an ``inspect.Parameter`` kind) and
#: whether it has a default value.
Parameter = NamedTuple("Parameter", [  # noqa: UP014
    ("name", str), ("kind", str), ("has_default", bool),
])


#: A call bound to a function's parameters, defaults applied (``BoundArguments`` after
#: ``apply_defaults()``): every parameter by name, in order; the positional and keyword
#: arguments to call the function with.
BoundCall = NamedTuple("BoundCall", [  # noqa: UP014  (the class form compiles its annotations)
    ("arguments", dict[str, Any]), ("args", tuple[Any, ...]), ("kwargs", dict[str, Any]),
])


def is_function(obj: object) -> TypeGuard[types.FunctionType]:
    """``inspect.isfunction``."""
    return isinstance(obj, types.FunctionType)


def is_generator_or_coroutine(func: object) -> bool:
    """``inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func)``."""
    if isinstance(func, types.FunctionType):
        return bool(func.__code__.co_flags & (_GENERATOR | _COROUTINE))
    import inspect

    return inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func)


def unwrap(func: Callable[..., Any]) -> Callable[..., Any]:
    """``inspect.unwrap``: the function at the end of a ``__wrapped__`` chain."""
    if not hasattr(func, "__wrapped__"):
        return func
    import inspect

    found: Callable[..., Any] = inspect.unwrap(func)
    return found


def _is_plain(func: object) -> bool:
    return isinstance(func, types.FunctionType) and not any(
        name in func.__dict__ for name in _OWN_SIGNATURE
    )


def parameters(func: Callable[..., Any]) -> list[Parameter]:
    """``inspect.signature(func).parameters``, in order, as :class:`Parameter` tuples."""
    if not _is_plain(func):
        import inspect

        return [
            Parameter(p.name, p.kind.name.lower(), p.default is not p.empty)
            for p in inspect.signature(func).parameters.values()
        ]
    code = func.__code__
    names, flags = code.co_varnames, code.co_flags
    positional, keyword_only = code.co_argcount, code.co_kwonlyargcount
    first_default = positional - len(func.__defaults__ or ())
    keyword_defaults = func.__kwdefaults__ or {}
    found = [
        Parameter(
            names[i],
            "positional_only" if i < code.co_posonlyargcount else "positional_or_keyword",
            i >= first_default,
        )
        for i in range(positional)
    ]
    after = positional + keyword_only
    if flags & _VARARGS:
        found.append(Parameter(names[after], "var_positional", False))
    found += [
        Parameter(name, "keyword_only", name in keyword_defaults)
        for name in names[positional:after]
    ]
    if flags & _VARKEYWORDS:
        found.append(Parameter(names[after + bool(flags & _VARARGS)], "var_keyword", False))
    return found


def defaults(func: Callable[..., Any]) -> dict[str, Any]:
    """The default value of each parameter that has one, by name, in order."""
    if not _is_plain(func):
        import inspect

        return {
            p.name: p.default
            for p in inspect.signature(func).parameters.values()
            if p.default is not p.empty
        }
    code = func.__code__
    positional = code.co_varnames[: code.co_argcount]
    values = func.__defaults__ or ()
    found = dict(zip(positional[len(positional) - len(values) :], values, strict=True))
    keyword_defaults = func.__kwdefaults__ or {}
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    found.update((name, keyword_defaults[name]) for name in keyword_only
                 if name in keyword_defaults)  # fmt: skip
    return found


def bind(func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> BoundCall:
    """``inspect.signature(func).bind(*args, **kwargs)`` with ``apply_defaults()``; raises
    :mod:`inspect`'s ``TypeError`` when the call does not fit."""
    bound = _bind_plainly(func, args, kwargs) if _is_plain(func) else None
    if bound is not None:
        return bound
    import inspect

    found = inspect.signature(func).bind(*args, **kwargs)
    found.apply_defaults()
    return BoundCall(dict(found.arguments), found.args, found.kwargs)


def _bind_plainly(
    func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> BoundCall | None:
    """The binding of a call that fits a function taking named parameters only (no
    positional-only, no ``*args``/``**kwargs``); None for anything else."""
    code = func.__code__
    if code.co_posonlyargcount or code.co_flags & (_VARARGS | _VARKEYWORDS):
        return None
    positional_count = code.co_argcount
    names = code.co_varnames[: positional_count + code.co_kwonlyargcount]
    if len(args) > positional_count:
        return None
    given = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name in given or name not in names:
            return None
        given[name] = value
    defaults_of = defaults(func)
    arguments: dict[str, Any] = {}
    for name in names:
        if name in given:
            arguments[name] = given[name]
        elif name in defaults_of:
            arguments[name] = defaults_of[name]
        else:
            return None  # a required parameter left out: inspect says which
    positional = tuple(arguments[name] for name in names[:positional_count])
    keyword = {name: arguments[name] for name in names[positional_count:]}
    return BoundCall(arguments, positional, keyword)
