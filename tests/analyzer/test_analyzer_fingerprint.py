"""The analysis cache's key names every file of the analyzer (and the codes) by size and
modification time, so that editing the analyzer invalidates every cached analysis."""

from __future__ import annotations

from pathlib import Path

from flowplan.analyzer import analysis_cache


def test_the_fingerprint_lists_each_analyzer_file_with_its_size_and_mtime() -> None:
    here = Path(analysis_cache.__file__).resolve().parent
    expected = []
    for file in [*sorted(here.glob("*.py")), here.parent / "codes.py"]:
        stat = file.stat()
        expected.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
    analysis_cache._analyzer_fingerprint.cache_clear()
    parts = analysis_cache._analyzer_fingerprint().split("\0")
    assert parts[2:] == expected
    assert len(expected) > 10 and "codes.py" in expected[-1]


def test_the_entry_key_changes_with_the_analyzer() -> None:
    analysis_cache._analyzer_fingerprint.cache_clear()
    before = analysis_cache.entry_key("/x/pipe.py", b"data")
    assert before == analysis_cache.entry_key("/x/pipe.py", b"data")
    assert before != analysis_cache.entry_key("/x/pipe.py", b"data2")
    analysis_cache._analyzer_fingerprint.cache_clear()
    original = analysis_cache.ANALYZER_VERSION
    try:
        analysis_cache.ANALYZER_VERSION = original + "x"
        assert analysis_cache.entry_key("/x/pipe.py", b"data") != before
    finally:
        analysis_cache.ANALYZER_VERSION = original
        analysis_cache._analyzer_fingerprint.cache_clear()
