"""On-disk cache of module analyses, so that a warm run never parses (nor imports libcst).

An entry holds the :class:`ModuleAnalysis` of one source file -- every signature in it, so one
parse serves every step of the module.  Its key hashes the file's bytes and path, the analyzer
(format version, flowplan's version, its own source files) and the Python version (``ast.dump``
differs between Pythons).
Entries are written atomically; an unreadable or corrupt entry is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path

from flowplan.analyzer.module_analysis import ModuleAnalysis
from flowplan.digests import sha256

ANALYZER_VERSION = "1"  # bump whenever analysis results or their JSON change

_memory: dict[object, ModuleAnalysis] = {}


def cache_dir() -> Path:
    """``$FLOWPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/flowplan``, else ``~/.cache/flowplan``."""
    root = os.environ.get("FLOWPLAN_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".cache"
        root = str(base / "flowplan")
    return Path(root) / "analysis"


@functools.cache
def _analyzer_fingerprint() -> str:
    """The format version, flowplan's version and the analyzer's own files (size, mtime).

    The files stand in for the installed version, which ``importlib.metadata`` would take some
    50 ms to read on every warm start -- and which an editable install never bumps anyway.
    """
    from flowplan.version import __version__

    parts = [ANALYZER_VERSION, __version__]
    here = os.path.dirname(os.path.realpath(__file__))
    try:  # (listed plainly: Path.glob would compile a pattern and walk with selectors)
        names = sorted(name for name in os.listdir(here) if name.endswith(".py"))
    except OSError:
        names = []
    files = [os.path.join(here, name) for name in names]
    for file in [*files, os.path.join(os.path.dirname(here), "codes.py")]:
        with contextlib.suppress(OSError):
            stat = os.stat(file)
            parts.append(f"{os.path.basename(file)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\0".join(parts)


def entry_key(path: str, data: bytes) -> str:
    parts = [_analyzer_fingerprint(), "{}.{}".format(*sys.version_info[:2]), os.path.abspath(path)]
    digest = sha256("\0".join(parts).encode() + b"\0", more=len(data))
    digest.update(data)
    return digest.hexdigest()


def remembered(token: object) -> ModuleAnalysis | None:
    """The analysis this process already holds under ``token`` (an entry key, a stat tuple)."""
    return _memory.get(token)


def remember(token: object, analysis: ModuleAnalysis) -> None:
    _memory[token] = analysis


def forget_all() -> None:
    """Empty the in-process memo (the files on disk stay)."""
    _memory.clear()


def load(key: str) -> ModuleAnalysis | None:
    """The analysis stored under ``key``, from memory or disk; None when absent or unreadable."""
    hit = _memory.get(key)
    if hit is not None:
        return hit
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("format") != ANALYZER_VERSION:
            return None
        analysis = ModuleAnalysis.from_json(data["analysis"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    _memory[key] = analysis
    return analysis


def store(key: str, analysis: ModuleAnalysis) -> None:
    """Keep ``analysis`` in memory and write it to disk atomically; a failed write is ignored."""
    _memory[key] = analysis
    folder = cache_dir()
    text = json.dumps({"format": ANALYZER_VERSION, "analysis": analysis.to_json()})
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when a result is written (warm runs never)

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
