"""cloudpickle, with the classes of the user's own files kept the same across processes.

A class defined in a pipeline's file (``__main__``, or a module shipped by value to workers
that cannot import it) travels *by value*: cloudpickle writes the class itself into the
pickle, and a process that loads the pickle rebuilds it.  Two things go wrong with that, and
this module mends both:

* **Dataclasses lose their sentinels.**  A rebuilt dataclass's fields no longer hold
  ``dataclasses.MISSING`` but a copy of it, so pydantic (and ``dataclasses.replace``) think
  every field has both a default and a default factory.  :func:`dumps` writes the sentinels
  by reference.
* **A rebuilt class is not the class of the loading process.**  cloudpickle keeps a class's
  identity within one process only: a cached output of a ``__main__`` class, read by the next
  run (another process), by a worker process, or by a Dask worker, was an instance of a
  look-alike class, which failed every ``isinstance`` (``FP506``).  :func:`loads` binds a
  class shipped by value to the class of the same module and name that the loading process
  already has -- a type the caller expects (the consuming step's annotation, or the recorded
  type), or a top-level class of the module in ``sys.modules`` (never imported for this) --
  as unpickling by reference would.  A class found nowhere is rebuilt as before.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
import typing
from collections.abc import Callable
from functools import cache
from typing import IO, Any, Protocol

from flowplan.lazy import import_cloudpickle

_CLOUDPICKLE = "cloudpickle.cloudpickle"


class _Writable(Protocol):
    def write(self, data: bytes | memoryview, /) -> int: ...


def dumps(value: Any, protocol: int | None = None) -> bytes:
    """``cloudpickle.dumps``, with dataclasses' sentinels written by reference."""
    buffer = io.BytesIO()
    dump(value, buffer, protocol)
    return buffer.getvalue()


def dump(value: Any, file: _Writable, protocol: int | None = None) -> None:
    """:func:`dumps` into ``file``, as it goes (a large value is never copied whole)."""
    _pickler()(file, protocol=protocol).dump(value)


def loads(body: bytes, like: Any = None) -> Any:
    """``pickle.loads`` of :func:`dumps`' output; classes shipped by value become the classes
    of ``like`` (a type, or a generic alias naming types) or of ``sys.modules`` with the same
    module and name, when there are such."""
    return load(io.BytesIO(body), like)


def load(file: IO[bytes], like: Any = None) -> Any:
    """:func:`loads` reading from ``file`` as it goes."""
    return _Unpickler(file, _classes_in(like)).load()


@cache
def _pickler() -> type[pickle.Pickler]:
    import_cloudpickle()
    import cloudpickle

    by_name: dict[type, Callable[[Any], str]] = {
        type(dataclasses.MISSING): lambda _: "MISSING",
        type(dataclasses._HAS_DEFAULT_FACTORY): lambda _: "_HAS_DEFAULT_FACTORY",  # type: ignore[attr-defined]
    }

    registry = cloudpickle.cloudpickle._PICKLE_BY_VALUE_MODULES
    by_reference: dict[int, type] = {}  # flowplan's classes that go by name (see below)
    registered: list[frozenset[str]] = [frozenset(registry)]

    tables = cloudpickle.Pickler.dispatch_table  # cloudpickle's reducers, then copyreg's

    class Pickler(cloudpickle.Pickler):  # type: ignore[misc]
        """cloudpickle's pickler, with two costs of every task it pickles taken away.

        * cloudpickle asks, for every class it meets, whether the class can be pickled by
          reference -- a lookup through ``sys.modules`` that cost more than the rest of a
          step's task.  flowplan's own classes are importable wherever flowplan runs, so
          the answer is kept for them, as long as no module was registered to go by value
          since.
        * Its reducers are a ``ChainMap``, which the pickler asks for every object of a
          class of its own (in Python, missing twice); here they are one dict, made anew
          for each pickler (so ``copyreg`` registrations made since count)."""

        def __init__(self, file: Any, protocol: int | None = None) -> None:
            table: dict[type, Any] = {}
            for reducers in reversed(tables.maps):
                table.update(reducers)
            table.update(by_name)
            self.dispatch_table = table
            super().__init__(file, protocol=protocol)
            if registered[0] != registry:
                registered[0] = frozenset(registry)
                by_reference.clear()

        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, type) and by_reference.get(id(obj)) is obj:
                return NotImplemented  # by name
            reduced = super().reducer_override(obj)
            if (
                reduced is NotImplemented
                and isinstance(obj, type)
                and obj.__module__.startswith("flowplan.")
            ):
                by_reference[id(obj)] = obj
            return reduced

    return Pickler


def _classes_in(like: Any) -> dict[tuple[str, str], type]:
    """The classes that ``like`` names, by module and name."""
    found: dict[tuple[str, str], type] = {}
    pending = [like]
    while pending:
        item = pending.pop()
        if isinstance(item, type):
            found[(item.__module__, item.__name__)] = item
        pending.extend(typing.get_args(item))
    return found


class _Unpickler(pickle.Unpickler):
    """Unpickles, binding classes shipped by value to the classes found here (see above)."""

    def __init__(self, file: IO[bytes], known: dict[tuple[str, str], type]) -> None:
        super().__init__(file)
        self._known = known
        self._kept: set[int] = set()  # ids of classes of this process, left untouched

    def find_class(self, module: str, name: str) -> Any:
        if module == _CLOUDPICKLE and name == "_make_skeleton_class":
            return self._skeleton_class
        if module == _CLOUDPICKLE and name == "_make_skeleton_enum":
            return self._skeleton_enum
        if module == _CLOUDPICKLE and name == "_class_setstate":
            return self._class_setstate
        return super().find_class(module, name)

    def _skeleton_class(
        self, kind: Any, name: str, bases: Any, kwargs: dict[str, Any], *rest: Any
    ) -> Any:
        from cloudpickle import cloudpickle

        here = self._class_here(kwargs.get("__module__"), name)
        if here is not None:
            return here
        return cloudpickle._make_skeleton_class(kind, name, bases, kwargs, *rest)

    def _skeleton_enum(
        self, bases: Any, name: str, qualname: str, members: Any, module: str, *rest: Any
    ) -> Any:
        from cloudpickle import cloudpickle

        here = self._class_here(module, name)
        if here is not None:
            return here
        return cloudpickle._make_skeleton_enum(bases, name, qualname, members, module, *rest)

    def _class_setstate(self, cls: Any, state: Any) -> Any:
        from cloudpickle import cloudpickle

        if id(cls) in self._kept:
            return cls
        return cloudpickle._class_setstate(cls, state)

    def _class_here(self, module: object, name: str) -> type | None:
        """The class expected for class ``name`` of ``module``: one that ``like`` names, or
        a top-level class of the module in ``sys.modules``; None when there is none."""
        if not isinstance(module, str):
            return None
        cls = self._known.get((module, name))
        if cls is None and module in sys.modules:
            cls = getattr(sys.modules[module], name, None)
            if not isinstance(cls, type) or cls.__qualname__ != name:
                return None
        if not isinstance(cls, type) or cls.__module__ != module or cls.__name__ != name:
            return None
        self._kept.add(id(cls))
        return cls
