"""Which YAML is a run configuration (DESIGN decision 18): a file that code names with
``config_path=`` or that a ``run-configs`` glob of ``[tool.flowplan]`` matches.  Every other
YAML file -- a CI workflow, a Hydra config, a Kubernetes manifest -- is left alone, even when
it has keys a run configuration has and even when it is named on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.lint.config import LintConfig
from flowplan.lint.files import is_run_config
from flowplan.lint.runner import check_paths
from tests.lint.helpers import check_project, located, write_project

PIPES = {
    "flowplan": "from flowplan import pipeline, step\n",
    "zenml": "from zenml import pipeline, step\n",
}
BODY = """
@step
def train(epochs: int = 1) -> float:
    return 0.1 * epochs

@pipeline
def training() -> None:
    train()
"""
NOT_OURS = {
    "azure-pipelines.yml": "trigger:\n  - main\nsteps:\n  - script: flow check\n",
    "conf/config.yaml": "defaults:\n  - trainer: gpu\nparameters:\n  lr: [0.1, 0.01]\n",
    "deploy/manifest.yaml": "apiVersion: v1\nkind: Pod\nsettings:\n  replicas: two\n",
    "broken.yaml": "steps:\n  a: 1\n b: 2\n",  # malformed, and still not ours
}
BAD_RUN_CONFIG = "enable_cache: sometimes\nsteps:\n  train:\n    retrys: 2\n"


@pytest.mark.parametrize("spelling", sorted(PIPES))
def test_ordinary_yaml_is_left_alone(tmp_path: Path, spelling: str) -> None:
    root = write_project(tmp_path / "p", {"pipes.py": PIPES[spelling] + BODY, **NOT_OURS})
    assert check_project(root) == []
    named = [str(root / name) for name in NOT_OURS]
    report = check_paths(named, LintConfig(root=root.resolve()), use_cache=False, jobs=1)
    assert (report.diagnostics, report.files) == ([], 0)


@pytest.mark.parametrize("spelling", sorted(PIPES))
def test_a_run_configs_glob_makes_yaml_a_run_configuration(tmp_path: Path, spelling: str
                                                           ) -> None:
    settings = '[tool.flowplan]\nrun-configs = ["configs/*.yaml", "**/nightly/run.yml"]\n'
    root = write_project(tmp_path / "p", {
        "pyproject.toml": settings, "pipes.py": PIPES[spelling] + BODY,
        "configs/bad.yaml": BAD_RUN_CONFIG, "a/b/nightly/run.yml": BAD_RUN_CONFIG,
        "configs/deeper/other.yaml": BAD_RUN_CONFIG,  # `*` does not cross folders
        "elsewhere/bad.yaml": BAD_RUN_CONFIG,
    })
    expected = {(path, code, line, column)
                for path in ("configs/bad.yaml", "a/b/nightly/run.yml")
                for code, line, column in (("FP005", 1, 15), ("FP004", 4, 5))}
    assert located(check_project(root), root) == expected
    named = check_project(root, [str(root / "configs" / "bad.yaml"),
                                 str(root / "elsewhere" / "bad.yaml")])
    assert {d.code for d in named} == {"FP004", "FP005"}
    assert {Path(d.path or "").parent.name for d in named} == {"configs"}


def test_a_yaml_file_code_names_is_checked_without_a_glob(tmp_path: Path) -> None:
    body = BODY.replace("@pipeline\n", '@pipeline(config_path="settings/run.yaml")\n')
    root = write_project(tmp_path / "p", {"pipes.py": PIPES["flowplan"] + body,
                                          "settings/run.yaml": BAD_RUN_CONFIG})
    found = located(check_project(root), root)
    assert {(p, c) for p, c, _, _ in found} == {("settings/run.yaml", "FP004"),
                                              ("settings/run.yaml", "FP005")}
    alone = check_project(root, [str(root / "settings" / "run.yaml")])
    assert {d.code for d in alone} == {"FP004", "FP005"}


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("run*.yaml", "run.yaml", True),
    ("run*.yaml", "deep/er/run_nightly.yaml", True),  # no slash: the name, in any folder
    ("configs/*.yaml", "configs/a.yaml", True),
    ("configs/*.yaml", "configs/sub/a.yaml", False),
    ("configs/*.yaml", "other/configs/a.yaml", False),  # a slash: from the project root
    ("./configs/*.yaml", "configs/a.yaml", True),
    ("pipelines/**/config.yml", "pipelines/config.yml", True),
    ("pipelines/**/config.yml", "pipelines/a/b/config.yml", True),
    ("**/run.yaml", "x/y/run.yaml", True),
    ("configs/*.yaml", "configs/a.yml", False),
])
def test_run_configs_globs(pattern: str, path: str, matches: bool) -> None:
    config = LintConfig(root=Path("/project"), run_configs=(pattern,))
    assert is_run_config(Path("/project") / path, config) is matches
