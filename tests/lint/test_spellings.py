"""Real projects: ZenML spellings, and the false alarms and misses found on public pipeline
code -- each as a minimal file of our own, checked in both spellings (DESIGN decision 17)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.lint.helpers import check_project, located, write_project

SPELLINGS = ["flowplan", "zenml"]


def spelled(text: str, spelling: str) -> str:
    return textwrap.dedent(text).lstrip("\n").replace("MODEL", spelling)


def found(tmp_path: Path, spelling: str, files: dict[str, str]) -> set[tuple[str, str, int | None]]:
    root = write_project(tmp_path / spelling, {k: spelled(v, spelling) for k, v in files.items()})
    return {(p, c, line) for p, c, line, _ in located(check_project(root), root)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_file_is_in_scope_in_either_spelling_and_legacy_paths(tmp_path: Path, spelling: str
                                                                ) -> None:
    files = {"pipes.py": """
        from MODEL import pipeline
        from MODEL import step as new_step
        import MODEL as api

        @new_step
        def load(rows: int) -> int:
            return rows

        @api.step
        def show(value: int) -> None:
            print(value)

        @pipeline
        def training() -> None:
            show(load(nope=1))
        """}
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP208", 15)}


def test_legacy_zenml_paths_are_in_scope(tmp_path: Path) -> None:
    files = {"pipes.py": """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def load(rows: int) -> int:
            return rows

        @pipeline
        def training() -> None:
            load(nope=1)
        """}
    assert found(tmp_path, "zenml", files) == {("pipes.py", "FP208", 10)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_output_names_given_by_constants_are_folded(tmp_path: Path, spelling: str) -> None:
    files = {
        "names.py": """
            from enum import Enum

            PREFIX = "iris"
            DATASET = "dataset"

            class Artifacts(str, Enum):
                MODEL_FILE = "model_file"
                REPORT = "report"
            """,
        "steps.py": """
            from typing import Annotated, Tuple

            from MODEL import step
            from names import DATASET, PREFIX, Artifacts as A

            @step(output_materializers={"iris_features": "builtins.dict",
                                        "model_file": "builtins.dict"})
            def load() -> Tuple[
                Annotated[dict, PREFIX + "_features"],
                Annotated[dict, A.MODEL_FILE],
                Annotated[list, f"{DATASET}_rows"],
            ]:
                return {}, {}, []
            """,
        "pipes.py": """
            from MODEL import pipeline
            from steps import load

            @pipeline
            def training() -> None:
                features, model, rows = load()
            """,
    }
    assert found(tmp_path, spelling, files) == set()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_output_name_that_is_not_a_string_is_still_fp106(tmp_path: Path, spelling: str
                                                            ) -> None:
    files = {"steps.py": """
        from typing import Annotated

        from MODEL import step

        COUNT = 3

        @step
        def load() -> Annotated[int, COUNT]:
            return 1
        """}
    assert found(tmp_path, spelling, files) == {("steps.py", "FP106", 7)}


def test_zenml_options_and_artifact_config_are_valid_in_zenml_spelling(tmp_path: Path) -> None:
    text = """
        from typing import Annotated

        from MODEL import ArtifactConfig, Model, pipeline, step

        @step(experiment_tracker="mlflow", step_operator="sagemaker", enable_step_logs=False,
              model=Model(name="iris"), settings={"docker": {"requirements": ["x"]},
                                                  "resources": {"cpu_count": 2}})
        def train(rows: int = 3) -> Annotated[int, ArtifactConfig(name="model", tags=["a"])]:
            return rows

        @step(output_materializers={"model": "builtins.int"})
        def again() -> Annotated[int, ArtifactConfig(name="model")]:
            return 1

        @pipeline(model=Model(name="iris"), tags=["x"], enable_artifact_metadata=True,
                  settings={"orchestrator.kubernetes": {"pod_settings": {}}})
        def training() -> None:
            train()
            again()
        """
    assert found(tmp_path, "zenml", {"pipes.py": text}) == set()
    flowplan = {(c, line) for _, c, line in found(tmp_path, "flowplan", {"pipes.py": text})}
    assert ("FP114", 5) in flowplan and ("FP114", 15) in flowplan


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_string_and_renamed_tuple_annotations_give_several_outputs(tmp_path: Path,
                                                                   spelling: str) -> None:
    files = {"pipes.py": """
        from typing import Tuple as T

        from MODEL import pipeline, step

        @step
        def quoted() -> "Tuple[int, str]":
            return 1, "a"

        @step
        def renamed() -> T[int, str]:
            return 1, "a"

        @step
        def show(number: int, text: str) -> None:
            print(number, text)

        @pipeline
        def training() -> None:
            a, b = quoted()
            c, d = renamed()
            show(a, b)
            show(c, d)
        """}
    assert found(tmp_path, spelling, files) == set()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_pipeline_named_pipeline_is_analysed(tmp_path: Path, spelling: str) -> None:
    files = {"pipes.py": """
        from MODEL import pipeline, step

        @step
        def load(rows: int) -> int:
            return rows

        @pipeline
        def pipeline() -> None:
            load()
        """}
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP207", 9)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_caching_is_resolved_across_files_and_launches(tmp_path: Path, spelling: str) -> None:
    files = {
        "steps.py": """
            import os
            import time

            from MODEL import step

            @step
            def stamp(rows: int) -> float:
                os.environ["TOKENIZERS_PARALLELISM"] = "false"
                token = os.getenv("HF_TOKEN")
                return time.time() + rows + len(token or "")

            @step
            def fetched(rows: int) -> float:
                return time.time() + rows
            """,
        "pipes.py": """
            from MODEL import pipeline
            from steps import fetched, stamp

            @pipeline(enable_cache=False)
            def fresh() -> None:
                stamp(rows=1)

            @pipeline
            def configured() -> None:
                fetched()
            """,
        "run.py": """
            from pipes import configured

            def main(no_cache: bool) -> None:
                args = {}
                if no_cache:
                    args["enable_cache"] = False
                args["config_path"] = "configs/run.yaml"
                configured.with_options(**args)()
            """,
        "configs/run.yaml": "enable_cache: false\nsteps:\n  fetched:\n    parameters:\n      rows: 3\n",
    }
    assert found(tmp_path, spelling, files) == set()
    files["configs/run.yaml"] = "steps:\n  fetched:\n    parameters:\n      rows: 3\n"
    assert found(tmp_path, spelling, files) == {("steps.py", "FP802", 14)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_clock_read_only_for_the_log_is_not_fp802(tmp_path: Path, spelling: str) -> None:
    files = {"steps.py": """
        import logging
        import time

        from MODEL import step

        logger = logging.getLogger(__name__)

        @step
        def questions(docs: list) -> list:
            start = time.time()
            out = []
            for i, doc in enumerate(docs, start=1):
                out.append(doc.upper())
                elapsed = time.time() - start
                per_doc = elapsed / i
                logger.info(f"{i} docs in {elapsed:.1f} s, {int(per_doc * 1000)} ms each")
                print(time.strftime("%H:%M", time.localtime(start + elapsed)))
            return out

        @step
        def stamped(docs: list) -> list:
            started = time.time()
            logger.info("starting")
            return [*docs, started]

        @step
        def kept(docs: list) -> dict:
            info = {}
            info["at"] = time.time()
            return {"docs": docs, **info}
        """}
    assert found(tmp_path, spelling, files) == {("steps.py", "FP802", 22),
                                                ("steps.py", "FP802", 29)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_direct_step_calls_without_a_required_input(tmp_path: Path, spelling: str) -> None:
    files = {"pipes.py": """
        from MODEL import pipeline, step

        @step
        def count(n: int) -> int:
            if n > 0:
                return count()
            return n

        @step
        def empty() -> tuple[()]:
            return ()

        @pipeline
        def counting() -> None:
            count(n=1)
            empty()

        if __name__ == "__main__":
            count()
            count(3)
        """}
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP207", 6),
                                                ("pipes.py", "FP207", 19)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_import_of_a_module_that_does_not_exist(tmp_path: Path, spelling: str) -> None:
    files = {"pipes.py": """
        from MODEL import step
        from MODEL.steps import BaseParameters

        @step
        def load() -> int:
            return 1
        """}
    expected = {("pipes.py", "FP011", 2)} if spelling == "flowplan" else set()
    assert found(tmp_path, spelling, files) == expected  # ZenML's own modules are ZenML's


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_step_instances_of_the_pre_040_api_are_not_runs(tmp_path: Path, spelling: str) -> None:
    files = {"pipes.py": """
        from MODEL import pipeline, step

        @step
        def clone(repos: list, folder: str) -> list:
            return repos

        @step
        def fetch() -> list:
            return []

        @pipeline
        def mirror(fetcher, cloner) -> None:
            cloner(fetcher())

        cloner = clone(folder="/tmp/mirror")
        instance = mirror(fetcher=fetch(), cloner=cloner)
        clone(folder="/tmp/other")
        """}
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP207", 17),
                                                ("pipes.py", "FP804", 17)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_empty_pipeline_is_reported_only_when_it_is_run(tmp_path: Path, spelling: str
                                                           ) -> None:
    """The documents show options on ``def my_pipeline(): ...``: defined only, never run, it
    is not FP230; run or compiled in the file (any spelling), it is."""
    files = {
        "snippets.py": """
            from MODEL import pipeline
            from MODEL.enums import ExecutionMode

            @pipeline(enable_cache=False)
            def my_pipeline():
                ...

            @pipeline(settings={"orchestrator": {"synchronous": False}})
            def asynchronous():
                ...

            fail_fast = my_pipeline.with_options(execution_mode=ExecutionMode.FAIL_FAST)
            my_pipeline.configure(execution_mode=ExecutionMode.STOP_ON_FAILURE)
            """,
        "run.py": """
            from MODEL import pipeline

            @pipeline
            def training():
                pass

            @pipeline
            def compiled_only():
                \"\"\"To do.\"\"\"

            if __name__ == "__main__":
                training.with_options(run_name="x")()
                compiled_only.compile()
            """,
    }
    assert found(tmp_path, spelling, files) == {("run.py", "FP230", 3), ("run.py", "FP230", 7)}



@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_empty_pipeline_run_from_another_module_is_reported_at_its_def(
        tmp_path: Path, spelling: str) -> None:
    """A run script importing the pipeline fails at run time at the pipeline's def: that is
    where ``flow check`` reports it (decision 21); a pipeline only imported is left alone."""
    files = {
        "pipes.py": """
            from MODEL import pipeline, step

            @step
            def load() -> int:
                return 1

            @pipeline
            def training():
                ...

            @pipeline
            def loading():
                load()

            @pipeline
            def sketched():
                pass
            """,
        "run.py": """
            import MODEL
            from pipes import loading, sketched, training

            if __name__ == "__main__":
                loading()
                training.with_options(run_name="x")()
            """,
        "other.py": """
            from MODEL import step
            import pipes

            pipes.sketched.compile()
            """,
    }
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP230", 7),
                                                ("pipes.py", "FP230", 15)}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_pipeline_calling_only_empty_pipelines_is_empty(tmp_path: Path, spelling: str
                                                         ) -> None:
    """Its run records no step either (FP230 at the outer def); a body that also calls a
    step, or calls a name it binds itself, is left to the run."""
    files = {"pipes.py": """
        from MODEL import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline
        def inner():
            \"\"\"To be written.\"\"\"

        @pipeline
        def outer():
            inner()
            inner.with_options(enable_cache=False)()

        @pipeline
        def mixed():
            inner()
            load()

        @pipeline
        def rebinds():
            inner = load
            inner()

        if __name__ == "__main__":
            outer()
            mixed()
            rebinds()
        """}
    assert found(tmp_path, spelling, files) == {("pipes.py", "FP230", 11)}

@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_bad_string_annotation_is_reported_at_the_string(tmp_path: Path, spelling: str
                                                           ) -> None:
    """The analyzer reads the text of ``-> "Annotated[int]"``; its finding points into that
    text, which has no place in the file: it is reported at the string (not FP901)."""
    files = {"steps.py": """
        from typing import Annotated

        from MODEL import step

        @step
        def load() -> "Annotated[int]":
            return 1
        """}
    assert found(tmp_path, spelling, files) == {("steps.py", "FP106", 6)}
