"""Placeholders in custom output and artifact names are filled in like the run's name."""

from __future__ import annotations

from typing import Annotated

import pytest

from flowplan import Client, pipeline, step
from flowplan.diagnostics import CompileError


@step
def dated() -> Annotated[int, "rows_{date}_{team}"]:
    return 3


@pipeline(substitutions={"team": "vision"}, run_name="daily-{date}-{time}")
def daily() -> None:
    dated()


def test_output_names_get_the_runs_date_and_substitutions() -> None:
    run = daily()
    date = run.name.split("-")[1]
    artifact = Client().get_pipeline_run(run.id).steps["dated"].output
    assert artifact.name == f"rows_{date}_vision"
    assert Client().get_artifact_version(f"rows_{date}_vision").load() == 3


def test_substitutions_from_with_options_count() -> None:
    run = daily.with_options(substitutions={"team": "audio"})()
    assert run.steps["dated"].output.name.endswith("_audio")


def test_an_unknown_placeholder_in_an_output_name_is_refused() -> None:
    @pipeline
    def no_team() -> None:
        dated()

    with pytest.raises(CompileError) as info:
        no_team.compile()
    assert "FP315" in str(info.value) and "{team}" in str(info.value)
