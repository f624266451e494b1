"""The real ``pre-commit run --all-files`` with this checkout's ``flow-check`` hook, in a new
git repository: it fails on a bad pipeline file and passes on a good one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOOD = "from flowplan import pipeline, step\n\n@step\ndef load() -> int:\n    return 1\n\n" \
       "@pipeline\ndef clean() -> None:\n    load()\n"
BAD = GOOD.replace("    load()", "    load(nope=1)")


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=flowplan", "-c", "user.email=tests@flowplan.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return done.stdout.strip()


def hook_revision(repo: Path) -> str:
    """The commit of ``repo`` to take the hook from; skip when it has no hook file."""
    if shutil.which("git") is None or not (repo / ".git").exists():
        pytest.skip("this checkout is not a git repository")
    sha = git("rev-parse", "HEAD", cwd=repo)
    found = subprocess.run(["git", "cat-file", "-e", f"{sha}:.pre-commit-hooks.yaml"], cwd=repo,
                           capture_output=True)
    if found.returncode != 0:
        pytest.skip(f"commit {sha[:10]} of {repo} has no .pre-commit-hooks.yaml yet (it is "
                    "only in the working tree); the test runs once it is committed")
    return sha


def pre_commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "pre-commit"
    command = [str(binary)] if binary.exists() else [sys.executable, "-m", "pre_commit"]
    return subprocess.run([*command, *(args or ("run", "--all-files"))], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
                          timeout=300)


def hooked_project(tmp_path: Path, config: str = "published") -> Path:
    """A new git repository using this checkout's published hook, or the README's snippet."""
    pytest.importorskip("pre_commit")
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / "pyproject.toml").write_text("[project]\nname = 'hooked'\n")
    if config == "readme":
        text = readme_snippet()
    else:
        repo = Path(os.environ.get("FLOWPLAN_HOOK_REPO", ROOT))
        sha = hook_revision(repo)
        text = f"repos:\n-   repo: {repo}\n    rev: {sha}\n    hooks:\n    -   id: flow-check\n"
    (project / ".pre-commit-config.yaml").write_text(text)
    return project


def readme_snippet() -> str:
    """The ``.pre-commit-config.yaml`` the README offers to copy, exactly as written."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```yaml\nrepos:\n  - repo: local", 1)[1].split("```", 1)[0]
    return textwrap.dedent("repos:\n  - repo: local" + block)


@pytest.mark.slow
def test_pre_commit_hook_fails_on_a_bad_file_and_passes_on_a_good_one(tmp_path: Path) -> None:
    project = hooked_project(tmp_path)
    (project / "pipes.py").write_text(GOOD)
    git("add", "-A", cwd=project)
    passed = pre_commit(project)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "flow check" in passed.stdout and "Passed" in passed.stdout

    (project / "bad.py").write_text(BAD)
    git("add", "-A", cwd=project)
    failed = pre_commit(project)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.py:9:5: FP208 step `load` has no input `nope`" in failed.stdout


STEPS = "from zenml import step\n\n@step\ndef load(rows: int) -> int:\n    return rows\n"
PIPE = ("from steps import load\nfrom zenml import pipeline\n\n@pipeline\n"
        "def training() -> None:\n    load(rows=3)\n")


@pytest.mark.slow
@pytest.mark.parametrize("config", ["readme", "published"])
def test_a_commit_of_one_file_that_breaks_another_is_blocked(tmp_path: Path, config: str
                                                             ) -> None:
    """pre-commit passes only the staged files; the hook checks what depends on them."""
    project = hooked_project(tmp_path, config)
    (project / "steps.py").write_text(STEPS)
    (project / "pipe.py").write_text(PIPE)
    installed = pre_commit(project, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add", "-A", cwd=project)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    subprocess.run(["git", "-c", "user.name=flowplan", "-c", "user.email=t@flowplan.invalid",
                    "commit", "-q", "-m", "pipeline"], cwd=project, check=True, timeout=300,
                   env={**os.environ, "PATH": path})
    first = git("rev-parse", "HEAD", cwd=project)

    (project / "steps.py").write_text(STEPS.replace("rows", "count"))  # pipe.py not touched
    git("add", "steps.py", cwd=project)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    blocked = subprocess.run(
        ["git", "-c", "user.name=flowplan", "-c", "user.email=tests@flowplan.invalid",
         "commit", "-m", "rename the parameter"], cwd=project, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1", "PATH": path}, timeout=300)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "pipe.py:6:5: FP208 step `load` has no input `rows`" in blocked.stdout + blocked.stderr
    assert git("rev-parse", "HEAD", cwd=project) == first
