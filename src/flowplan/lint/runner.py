"""``flow check`` over many files: skip the unrelated, reuse cached results, check the rest --
in worker processes when there are enough of them -- and gather every problem.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flowplan.analyzer.spellings import mentions_model
from flowplan.diagnostics import Diagnostic
from flowplan.lint.config import LintConfig
from flowplan.lint.files import discover
from flowplan.lint.results import FileResult

if TYPE_CHECKING:
    from flowplan.lint.result_cache import ResultCache

MIN_PARALLEL = 8  # fewer files to parse than this are checked in this process
_worker_program: dict[Path, object] = {}


@dataclass
class Report:
    """Everything one ``flow check`` found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0  # files checked (Python files in scope, and run configurations)
    missing: list[str] = field(default_factory=list)
    not_run_configs: list[str] = field(default_factory=list)  # YAML named, but not ours


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_paths(
    paths: Sequence[str], config: LintConfig, *, use_cache: bool = True, jobs: int | None = None
) -> Report:
    """Check ``paths`` (default: the project root) and report every selected problem."""
    from flowplan.analyzer.source import digest
    from flowplan.lint.result_cache import ResultCache

    _worker_program.clear()  # files may have changed since an earlier check in this process
    targets = discover(paths, config)
    cache = ResultCache(_cache_folder() if use_cache else None, config.key())
    report = Report(missing=targets.missing)
    results: list[FileResult] = []
    todo: list[tuple[str, bytes]] = []
    for path in targets.python:
        try:
            data = path.read_bytes()
        except OSError as exc:
            from flowplan.analyzer.source import unreadable

            results.append(FileResult(str(path), [unreadable(str(path), exc.strerror or "")]))
            continue
        if not mentions_model(data) and path.resolve() not in targets.explicit:
            continue  # not in scope (a file named explicitly always is)
        report.files += 1
        key = str(path.resolve())
        cache.remember(key, digest(data))
        cached = cache.load(key, digest(data))
        if cached is not None:
            results.append(cached)
        else:
            todo.append((key, data))
    results += _check_all(todo, config, cache, jobs or default_jobs())
    if targets.yaml:
        results += _check_yaml(targets.yaml, targets.explicit, results, config, report)
    found = [*config.problems, *(d for r in results for d in r.diagnostics)]
    kept = [d for d in dict.fromkeys(found) if config.selected(d.code) and (
        not d.path or targets.shown(Path(d.path).resolve(), config))]
    report.diagnostics = with_columns(sorted(kept, key=Diagnostic.sort_key))
    return report


def with_columns(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Every diagnostic in a file gets a line and a column (``path:line:col`` is the
    contract): one that a check located by line only points at the first character of that
    line's code, one about the whole file (it cannot be read or compiled) at ``1:1``."""
    from dataclasses import replace

    lines: dict[str, list[str]] = {}
    out = []
    for d in diagnostics:
        if d.path and not d.line:
            d = replace(d, line=1, column=1)
        elif d.path and d.line and not d.column:
            if d.path not in lines:
                try:
                    text = Path(d.path).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
                lines[d.path] = text.splitlines()
            text = lines[d.path][d.line - 1] if d.line <= len(lines[d.path]) else ""
            d = replace(d, column=len(text) - len(text.lstrip()) + 1 if text.strip() else 1)
        out.append(d)
    return out


def _check_yaml(yaml: list[Path], explicit: set[Path], results: list[FileResult],
                config: LintConfig, report: Report) -> list[FileResult]:
    """The run configurations among ``yaml``.  One that a Python file just checked names in
    ``config_path`` has been checked with it (that file's result depends on it).  Those named
    on the command line that are not run configurations go to ``report.not_run_configs``."""
    from flowplan.lint.yamlfiles import check_yaml_files

    resolved = {path: path.resolve() for path in yaml}
    covered = {path for result in results for path in result.depends}
    report.files += sum(str(full) in covered for full in resolved.values())
    found = check_yaml_files([p for p, full in resolved.items() if str(full) not in covered],
                             config)
    report.files += len(found)
    checked = covered | {result.path for result in found}
    report.not_run_configs = [str(p) for p, full in resolved.items()
                              if full in explicit and str(full) not in checked]
    return found


def _cache_folder() -> Path:
    from flowplan.env import cache_dir

    return cache_dir() / "lint"


def _check_all(
    todo: list[tuple[str, bytes]], config: LintConfig, cache: ResultCache, jobs: int
) -> list[FileResult]:
    if not todo:
        return []
    if jobs < 2 or len(todo) < MIN_PARALLEL or sys.platform == "win32":
        return check_chunk(todo, config, cache, jobs)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import flowplan.lint.checker  # noqa: F401 -- imported once here, inherited by the workers
    from flowplan.lint.registry import all_rules

    all_rules()
    ordered = sorted(todo, key=lambda item: -len(item[1]))
    chunks = [ordered[i::jobs * 4] for i in range(jobs * 4)]
    context = multiprocessing.get_context("fork" if sys.platform != "darwin" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(check_chunk, chunk, config, cache) for chunk in chunks if chunk]
        return [result for future in futures for result in future.result()]


class _Collector:
    frozen = False  # whether collector_paused froze survivors that thaw() has not released


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while one file is checked.

    A check builds millions of small objects (the file's ``ast``, signatures, plans); each
    automatic collection walks all of them again, which costs more than half of a check of
    a large file.  What survives the check is then frozen (``gc.freeze``): the reused
    results of ``Program`` and the caller's objects are not walked again either, until
    :func:`thaw` hands them back to the collector when the program forgets its files or
    the next chunk starts -- so memory stays bounded however many files are checked."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            _Collector.frozen = True
            gc.enable()


def thaw(collect: bool = False) -> None:
    """Let the collector see again what :func:`collector_paused` froze; with ``collect``,
    collect at once (cheap right after ``Program.trim``: little is still alive, and the
    garbage of the files forgotten goes now rather than at some later full collection)."""
    if _Collector.frozen:
        gc.unfreeze()
        _Collector.frozen = False
        if collect and gc.isenabled():
            gc.collect()


def check_chunk(
    chunk: list[tuple[str, bytes]], config: LintConfig, cache: ResultCache, jobs: int = 1
) -> list[FileResult]:
    """Check files in this process (a worker keeps one Program across its chunks); with
    ``jobs`` cores to itself, a large file is checked in shards by that many processes."""
    from flowplan.compiler.frontends.static.program import Program
    from flowplan.lint.checker import check_file
    from flowplan.lint.shards import shard_count

    program = _worker_program.get(config.root)
    if not isinstance(program, Program):
        program = _worker_program[config.root] = Program([config.root])
    if any(len(data) >= LARGE_FILE for _, data in chunk):
        keep_freed_memory()
    thaw()
    results = []
    for path, data in chunk:
        with collector_paused():
            result = check_file(Path(path), data, program, config,
                                shard_count(len(data), jobs))
        cache.store(result)
        results.append(result)
        if program.trim():  # memory stays bounded however many files a worker checks
            thaw(collect=True)
    return results



LARGE_FILE = 1 << 20  # bytes of one source file that make memory reuse pay


def keep_freed_memory() -> None:
    """Have the C allocator keep the memory a check frees for its next allocations, rather
    than hand it back to the kernel at once (glibc's ``mallopt``; elsewhere nothing).

    A large file is parsed in pieces (:func:`flowplan.analyzer.source.parse_module`) and the
    parser frees its working memory after each; handed back, every next piece makes the
    kernel fault fresh pages in again -- a fifth of the page faults of a 20,000-step file.
    The process ends when the check does, so nothing is kept for long."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # only for a large check

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep freed memory at the heap's top
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: large blocks from the heap, reused
    except (OSError, AttributeError):  # not glibc
        return
