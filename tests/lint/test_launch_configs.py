"""Parameters a run configuration may supply are not reported missing when the
configuration a launch uses is unknown (``config_path=args.config``), cannot be read (its
own problem is reported instead), or is one of several guessed candidates of which some
supply them -- a problem is reported when every candidate has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.test_spellings import SPELLINGS, found

STEPS = """
    from MODEL import pipeline, step

    @step
    def trainer(args: dict) -> int:
        return len(args)

    @pipeline
    def finetune() -> None:
        trainer()
    """
SUPPLIES = "steps:\n  trainer:\n    parameters:\n      args: {lr: 0.1}\n"
MISSING = ("pipes.py", "FP207", 9)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_configuration_known_only_at_run_time_may_supply_parameters(tmp_path: Path, spelling: str
    ) -> None:
    run = """
        import os
        import sys

        from pipes import finetune

        def main(config: str) -> None:
            args = {"enable_cache": False}
            if config:
                args["config_path"] = os.path.join("configs", config)
            finetune.with_options(**args)()

        main(sys.argv[1])
        """
    files = {"pipes.py": STEPS, "run.py": run, "configs/local.yaml": SUPPLIES}
    assert found(tmp_path / "unknown", spelling, files) == set()
    assert found(tmp_path / "none", spelling, {"pipes.py": STEPS}) == {MISSING}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_unreadable_configuration_is_reported_not_what_it_would_supply(tmp_path: Path, spelling: str
    ) -> None:
    pipes = STEPS.replace("    @pipeline\n", '    @pipeline(config_path="run.yaml")\n')
    broken = "enable_cache: false\n" + SUPPLIES + "enable_cache: false\n"  # a duplicate key
    assert found(tmp_path, spelling, {"pipes.py": pipes, "run.yaml": broken}) == {
        ("run.yaml", "FP003", 6)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_guessed_configurations_report_what_all_of_them_have(tmp_path: Path, spelling: str
    ) -> None:
    run = """
        from pathlib import Path

        from pipes import finetune

        def main(prepare: bool, train: bool) -> None:
            options = {}
            configs = Path("configs")
            if prepare:
                options["config_path"] = str(configs / "prepare.yaml")
            if train:
                options["config_path"] = str(configs / "train.yaml")
                finetune.with_options(**options)()
        """
    files = {"pipes.py": STEPS, "run.py": run, "configs/train.yaml": SUPPLIES,
             "configs/prepare.yaml": "enable_cache: false\n"}
    assert found(tmp_path / "one", spelling, files) == set()
    files["configs/train.yaml"] = "enable_cache: true\n"  # neither supplies `args` now
    assert found(tmp_path / "none", spelling, files) == {MISSING}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_run_script_that_imports_the_pipeline_inside_a_function(tmp_path: Path,
                                                                  spelling: str) -> None:
    run = """
        import sys

        def main(config: str) -> None:
            from pipes import finetune

            finetune.with_options(config_path=f"configs/{config}")()

        main(sys.argv[1])
        """
    files = {"pipes.py": STEPS, "run.py": run, "configs/local.yaml": SUPPLIES}
    assert found(tmp_path, spelling, files) == set()
    files["run.py"] = run.replace('config_path=f"configs/{config}"', "enable_cache=False")
    assert found(tmp_path / "plain", spelling, files) == {MISSING}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_caching_of_a_step_on_a_branch_its_plans_do_not_take(tmp_path: Path,
                                                            spelling: str) -> None:
    files = {
        "steps.py": """
            from datetime import datetime

            from MODEL import step

            @step
            def stamped(rows: int) -> str:
                return f"{rows} at {datetime.now()}"
            """,
        "pipes.py": """
            from MODEL import pipeline
            from steps import stamped

            @pipeline
            def etl(mode: str = "develop") -> None:
                if mode == "develop":
                    return
                else:
                    stamped(rows=1)
            """,
        "run.py": """
            import sys

            from pipes import etl

            etl.with_options(config_path=f"etl_{sys.argv[1]}.yaml")(mode=sys.argv[1])
            """,
        "etl_develop.yaml": "enable_cache: false\n",
        "etl_production.yaml": "enable_cache: false\n",
    }
    assert found(tmp_path, spelling, files) == set()
    files["other/pipes.py"] = """
        from MODEL import pipeline, step

        @step
        def stamped(rows: int) -> int:
            return rows

        @pipeline
        def elsewhere(flag: bool = False) -> None:
            if flag:
                stamped(rows=2)  # a step of the same name, not the one in steps.py
        """
    assert found(tmp_path / "namesake", spelling, files) == set()
    files["etl_develop.yaml"] = files["etl_production.yaml"] = "enable_cache: true\n"
    assert found(tmp_path / "cached", spelling, files) == {("steps.py", "FP802", 7)}
