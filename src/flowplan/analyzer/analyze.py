"""The analyzer's entry points: a live function (library path) or a module's text (lint path).

``analyze_function`` finds the function's source file and its def -- by the line of its first
decorator (``co_firstlineno``) and its name -- and reads the signature from the analysis of the
whole file, cached on disk (:mod:`flowplan.analyzer.analysis_cache`): a warm call does not
import libcst.
Without readable source it falls back to the live objects (:mod:`flowplan.analyzer.fallback`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flowplan.analyzer import analysis_cache
from flowplan.analyzer.module_analysis import ModuleAnalysis
from flowplan.analyzer.signature import StepSignature
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.env import env_flag, env_value
from flowplan.messages import definitions
from flowplan.plain_functions import unwrap

__all__ = ["ModuleAnalysis", "analyze_function", "analyze_source", "enforce_annotations"]


def analyze_function(func: Callable[..., Any]) -> StepSignature:
    """The signature of a step function, from the source of the file that defines it."""
    func = unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None:
        raise CompileError(
            definitions.analysed_non_function(func)
        )
    filename = code.co_filename
    analysis = _analysis_of_file(filename)
    if analysis is None:
        from flowplan.analyzer.fallback import signature_without_source

        return signature_without_source(func, f"no source file `{filename}`")
    sig = analysis.by_line.get(code.co_firstlineno)
    if sig is None or sig.name != code.co_name:
        reason = f"no def `{code.co_name}` at {filename}:{code.co_firstlineno}"
        if analysis.syntax_error is not None:
            reason = f"{filename} does not parse ({analysis.syntax_error.message})"
        from flowplan.analyzer.fallback import signature_without_source

        return signature_without_source(func, f"{reason}; was the file changed after import?")
    if any(o.name_expression for o in sig.outputs):
        from flowplan.analyzer.name_folding import fold_names, live_fold

        sig = fold_names(sig, live_fold(getattr(func, "__globals__", {})), strict=True)
    return sig


def analyze_source(source: str, path: str) -> ModuleAnalysis:
    """Every function def of ``source`` (top-level and nested) with its signature; static."""
    from flowplan.analyzer.module import analyze_module  # imports libcst: only when parsing

    return analyze_module(source, path)


def enforcement_enabled() -> bool:
    if env_value("ENFORCE_TYPE_ANNOTATIONS") is not None:
        return env_flag("ENFORCE_TYPE_ANNOTATIONS")
    from flowplan.project import current_settings, find_project_root, has_project_table

    if not has_project_table(find_project_root()):
        return False
    return bool(current_settings().enforce_type_annotations)


def enforce_annotations(sig: StepSignature, enforce: bool | None = None) -> list[Diagnostic]:
    """FP101 errors for missing annotations when ``enforce`` is true; ``None`` (a run) reads
    FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS or, unset, ``enforce-type-annotations`` of
    ``[tool.flowplan]``."""
    if not sig.missing_annotations:
        return []
    if not (enforcement_enabled() if enforce is None else enforce):
        return []
    sites = sig.missing_annotation_sites
    problems = []
    for i, name in enumerate(sig.missing_annotations):
        line, column = sites[i] if i < len(sites) else (sig.line, sig.column)
        problems.append(definitions.missing_annotation(sig.name, name, sig.path, line, column))
    return problems


def _analysis_of_file(filename: str) -> ModuleAnalysis | None:
    """The analysis of the file ``filename`` (a path, or a name ``linecache`` knows)."""
    try:
        stat = os.stat(filename)
    except (OSError, ValueError):
        import linecache

        lines = linecache.getlines(filename)  # e.g. notebook cells registered by IPython
        return _analysis_of_bytes(filename, "".join(lines).encode()) if lines else None
    token = ("stat", os.path.abspath(filename), stat.st_mtime_ns, stat.st_size)
    analysis = analysis_cache.remembered(token)
    if analysis is None:
        try:
            with open(filename, "rb") as file:
                data = file.read()
        except OSError:
            return None
        analysis = _analysis_of_bytes(filename, data)
        if analysis is not None:
            analysis_cache.remember(token, analysis)
    return analysis


def _analysis_of_bytes(filename: str, data: bytes) -> ModuleAnalysis | None:
    key = analysis_cache.entry_key(filename, data)
    analysis = analysis_cache.load(key)
    if analysis is None:
        import importlib.util  # a cache miss only

        try:
            source = importlib.util.decode_source(data)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return None
        analysis = analyze_source(source, filename)
        analysis_cache.store(key, analysis)
    return analysis
