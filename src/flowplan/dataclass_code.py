"""The compiled methods of flowplan's own dataclasses, kept on disk between processes.

``@dataclass`` writes the source of a class's ``__init__``, ``__repr__`` and ``__eq__`` (and
for a frozen class ``__setattr__``, ``__delattr__``, ``__hash__``) and compiles it with
``exec``: about half a millisecond per class, some 30 ms for the sixty classes a run
defines -- a fifth of a whole 100-step process.  That source is the same in every process of
one flowplan on one Python, so its compiled code is kept in one file of flowplan's cache
folder (as ``__pycache__`` keeps a module's), read once per process; ``exec`` then runs the
stored code object instead of compiling the text again.

The file holds one group per module, unpacked when the module defines its first class.  A
process that compiled anything for a module rewrites that module's group with exactly the
code the module used in it, so the code of an edited class does not pile up.

:func:`install` -- run when ``flowplan`` is imported, before any of its dataclasses is
defined -- gives module :mod:`dataclasses` its own ``exec``.  The text of a class defined
outside flowplan goes to the builtin unchanged, and a flowplan class gets the very methods
the builtin would make: only the compiling is saved.  A missing, unreadable or foreign file
(not owned by this user, or writable by others) is ignored; new code is written when the
process exits, atomically.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
import threading
from types import CodeType
from typing import Any

from flowplan.lazy import import_standing_in

# Module dataclasses imports inspect for one use: the signature it writes into the ``__doc__``
# of a class without a docstring.  Importing inspect loads ast, dis and tokenize (about a tenth
# of a whole 100-step process) that a run otherwise never needs: it loads at that first use.
import_standing_in("dataclasses", "inspect")
import dataclasses  # noqa: E402

FORMAT = 3  # 3: compiled without this module's ``from __future__`` flags

_lock = threading.Lock()
_groups: dict[str, bytes] | None = None  # module -> its marshalled group, as read
_codes: dict[str, dict[str, CodeType]] = {}  # module -> text -> code, unpacked
_used: dict[str, set[str]] = {}  # module -> the texts its classes used in this process
_changed: set[str] = set()  # modules with code compiled in this process


def _file() -> str:
    """``<cache>/dataclasses/<python>.marshal``; the cache folder as in ``flowplan.env``."""
    root = os.environ.get("FLOWPLAN_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "flowplan")
    python = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-{FORMAT}"
    return os.path.join(root, "dataclasses", f"{python}.marshal")


def _read(path: str) -> dict[str, bytes]:
    try:
        with open(path, "rb") as file:
            stat = os.fstat(file.fileno())
            if stat.st_uid != os.getuid() or stat.st_mode & 0o022:
                return {}
            loaded = marshal.loads(file.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, bytes)}


def _unpack(group: bytes | None) -> dict[str, CodeType]:
    try:
        loaded = marshal.loads(group) if group is not None else {}
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, CodeType)}


def _write() -> None:
    """Store the groups of the modules this process compiled code for (atexit)."""
    with _lock:
        if not _changed:
            return
        path = _file()
        groups = _read(path)  # with what other processes wrote meanwhile
        for module in _changed:
            codes = _codes[module]
            groups[module] = marshal.dumps({text: codes[text] for text in _used[module]})
        _changed.clear()
    temporary = f"{path}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(marshal.dumps(groups))
        os.replace(temporary, path)
    with contextlib.suppress(OSError):
        os.unlink(temporary)


def _code(module: str, text: str) -> CodeType:
    global _groups
    with _lock:
        codes = _codes.get(module)
        if codes is None:
            if _groups is None:
                _groups = _read(_file())
            codes = _codes[module] = _unpack(_groups.pop(module, None))
        _used.setdefault(module, set()).add(text)
        code = codes.get(text)
    if code is None:
        code = compile(text, "<string>", "exec", dont_inherit=True)
        with _lock:
            codes[text] = code
            if not _changed:
                import atexit

                atexit.register(_write)
            _changed.add(module)
    return code


def _exec(source: Any, globals: dict[str, Any] | None = None, locals: Any = None) -> None:
    """``exec`` for module :mod:`dataclasses`: flowplan's classes run stored code."""
    module = globals.get("__name__") if globals is not None else None
    if isinstance(source, str):
        if isinstance(module, str) and module.split(".")[0] == "flowplan":
            source = _code(module, source)
        else:  # as module dataclasses would: not with this module's postponed annotations
            source = compile(source, "<string>", "exec", dont_inherit=True)
    builtins.exec(source, globals, locals)


def install() -> None:
    """Route the ``exec`` of module :mod:`dataclasses` through :func:`_exec`."""
    if "exec" not in vars(dataclasses):
        dataclasses.exec = _exec  # type: ignore[attr-defined]


install()
