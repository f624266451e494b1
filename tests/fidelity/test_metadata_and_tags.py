"""``ArtifactConfig`` names outputs and labels them; ``log_metadata`` and ``add_tags`` attach
metadata and tags to step runs, runs and artifact versions, in the local store."""

from __future__ import annotations

from typing import Annotated

import pytest

from flowplan import (
    ArtifactConfig,
    Client,
    FlowplanError,
    add_tags,
    log_metadata,
    pipeline,
    step,
)


@step
def train() -> Annotated[
    int, ArtifactConfig(name="model", tags=["prod"], run_metadata={"framework": "none"})
]:
    log_metadata({"accuracy": 0.93})
    log_metadata({"size": 3}, infer_artifact=True)
    add_tags(["trained"])
    return 3


@step
def unnamed() -> Annotated[str, ArtifactConfig(tags=["raw"])]:
    return "x"


@pipeline(tags=["nightly"])
def labelled() -> None:
    train()
    unnamed()


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_labels_from_a_run_reach_the_store(isolation: str) -> None:
    run = labelled.with_options(settings={"orchestrator": {"isolation": isolation}})()
    stored = Client().get_pipeline_run(run.id)
    model = stored.steps["train"].outputs["model"][0]
    assert model.name == "model"
    assert model.tags == ["prod"]
    assert model.run_metadata == {"framework": "none", "size": 3}
    assert stored.steps["train"].run_metadata == {"accuracy": 0.93}
    assert sorted(stored.tags) == ["nightly", "trained"]
    raw = stored.steps["unnamed"].outputs["output"][0]
    assert raw.name == "labelled::unnamed::output" and raw.tags == ["raw"]


def test_labels_from_outside_a_step() -> None:
    run = labelled()
    log_metadata({"reviewed": True}, run_id_name_or_prefix=run.name)
    log_metadata({"note": "ok"}, run_id_name_or_prefix=run.name, step_name="train")
    add_tags("gold", run=run.name)
    log_metadata({"checked": 1}, artifact_name="model")
    stored = Client().get_pipeline_run(run.name)
    assert stored.run_metadata == {"reviewed": True}
    assert stored.steps["train"].run_metadata == {"accuracy": 0.93, "note": "ok"}
    assert "gold" in stored.tags
    assert Client().get_artifact_version("model").run_metadata["checked"] == 1
    with pytest.raises(FlowplanError) as info:
        log_metadata({"x": 1})
    assert info.value.code == "FP521"


def test_an_artifact_config_name_must_be_a_literal() -> None:
    from flowplan.diagnostics import CompileError

    name = "dynamic"

    with pytest.raises(CompileError) as info:

        @step
        def bad() -> Annotated[int, ArtifactConfig(name=name)]:
            return 1

        @pipeline
        def uses_bad() -> None:
            bad()

        uses_bad.compile()
    assert info.value.code == "FP106"
