"""Per-file results are cached and invalidated by any file they read; unrelated files are
never parsed; worker processes find what a single process finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.lint import checker
from flowplan.lint.config import load_config
from flowplan.lint.runner import check_paths
from tests.lint.helpers import located, write_project

STEPS = "from flowplan import step\n\n@step\ndef load() -> int:\n    return 1\n"
PIPES = (
    "from flowplan import pipeline\nfrom steps import load\n\n"
    '@pipeline(config_path="run.yaml")\ndef p() -> None:\n    load()\n'
)


def codes(root: Path, **options: object) -> list[tuple[str, int | None]]:
    found = check_paths([str(root)], load_config(root), **options)  # type: ignore[arg-type]
    return [(d.code, d.line) for d in found.diagnostics]


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = checker.check_file

    def counting(path: Path, *args: object) -> checker.FileResult:
        seen.append(path.name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(checker, "check_file", counting)
    return seen


def test_a_warm_run_checks_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "p", {"steps.py": STEPS, "pipes.py": PIPES,
                                          "run.yaml": "steps:\n  load: {}\n"})
    assert codes(root) == []
    seen = count_checks(monkeypatch)
    assert codes(root) == []
    assert seen == []


def test_a_change_in_an_imported_module_or_a_config_invalidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "p", {"steps.py": STEPS, "pipes.py": PIPES,
                                          "run.yaml": "steps:\n  load: {}\n"})
    assert codes(root) == []
    seen = count_checks(monkeypatch)
    (root / "steps.py").write_text(STEPS.replace("def load()", "def load(x: int)"))
    assert codes(root) == [("FP207", 6)]
    assert sorted(seen) == ["pipes.py", "steps.py"]
    seen.clear()
    (root / "run.yaml").write_text("steps:\n  lod: {}\n")
    assert codes(root) == [("FP207", 6), ("FP006", 2)]
    assert seen == ["pipes.py"]


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "p", {"steps.py": STEPS})
    codes(root, use_cache=False)
    seen = count_checks(monkeypatch)
    codes(root, use_cache=False)
    codes(root)
    assert seen == ["steps.py", "steps.py"]


def test_files_that_do_not_mention_flowplan_are_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "p", {"steps.py": STEPS, "plain.py": "def f(:\n"})
    seen = count_checks(monkeypatch)
    assert codes(root, use_cache=False) == []
    assert seen == ["steps.py"]


def test_worker_processes_find_the_same_problems(tmp_path: Path) -> None:
    bad = "from flowplan import pipeline, step\n\n@step\ndef s() -> int:\n    return 1\n\n" \
          "@pipeline\ndef p() -> None:\n    s(x=1)\n    s(step_name='y')\n"
    files = {f"m{i}.py": bad for i in range(12)}
    root = write_project(tmp_path / "p", files)
    config = load_config(root)
    serial = check_paths([str(root)], config, use_cache=False, jobs=1).diagnostics
    parallel = check_paths([str(root)], config, use_cache=False, jobs=2).diagnostics
    assert located(parallel, root) == located(serial, root)
    assert len(serial) == 24


def test_the_collector_is_paused_only_while_a_file_is_checked(tmp_path: Path) -> None:
    import gc

    from flowplan.lint.runner import collector_paused

    states = []
    root = write_project(tmp_path / "p", {"steps.py": STEPS})
    real = checker.check_file

    def recording(path: Path, *args: object) -> checker.FileResult:
        states.append(gc.isenabled())
        return real(path, *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checker, "check_file", recording)
        check_paths([str(root)], load_config(root), use_cache=False)
    assert states == [False] and gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_signatures_read_from_the_ast_need_no_libcst(tmp_path: Path) -> None:
    """A check whose step signatures are all certain from the ``ast`` never imports libcst
    (its import alone costs more than checking a small project)."""
    import subprocess
    import sys

    root = write_project(tmp_path / "p", {"steps.py": STEPS, "pipes.py": PIPES,
                                          "run.yaml": "enable_cache: false\n"})
    script = ("import sys\nfrom flowplan.lint.config import load_config\n"
              "from flowplan.lint.runner import check_paths\n"
              f"report = check_paths([{str(root)!r}], load_config(__import__('pathlib')"
              f".Path({str(root)!r})), use_cache=False)\n"
              "print(report.files, 'libcst' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    assert int(out[0]) >= 2 and out[1] == "False"


def test_what_a_check_froze_is_collected_once_the_program_forgets_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Survivors of a file's check are frozen from the collector (not walked again while the
    worker keeps the file); when the worker forgets its files they are handed back and
    collected, so memory does not grow with the number of files checked."""
    import gc

    from flowplan.compiler.frontends.static.program import Program
    from flowplan.lint.runner import thaw

    root = write_project(tmp_path / "p", {"steps.py": STEPS, "pipes.py": PIPES})
    thaw()
    check_paths([str(root)], load_config(root), use_cache=False, jobs=1)
    assert gc.get_freeze_count() > 0  # kept for the next files of this worker
    real = Program.trim
    monkeypatch.setattr(Program, "trim", lambda self, keep=200: real(self, keep=0))
    check_paths([str(root)], load_config(root), use_cache=False, jobs=1)
    assert gc.get_freeze_count() == 0


def test_only_a_large_file_makes_the_check_keep_freed_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowplan.lint import runner
    from flowplan.lint.result_cache import ResultCache

    calls: list[int] = []
    real = runner.keep_freed_memory

    def spy() -> None:
        calls.append(1)
        real()  # glibc's allocator told to keep freed memory: the check goes on as before

    monkeypatch.setattr(runner, "keep_freed_memory", spy)
    monkeypatch.setattr(runner, "LARGE_FILE", 2_000)
    config = load_config(tmp_path)
    small = "from flowplan import step\n"
    large = small + "".join(f"\n\n@step\ndef s{k}() -> int:\n    return {k}\n" for k in range(80))
    for name, text, expected in (("small.py", small, []), ("large.py", large, [1])):
        path = tmp_path / name
        path.write_text(text)
        calls.clear()
        results = runner.check_chunk([(str(path), text.encode())], config, ResultCache(None, ""))
        assert calls == expected and results[0].diagnostics == []
