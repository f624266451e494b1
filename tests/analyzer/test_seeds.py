"""Every step example of the reference documents analyses as the documents say."""

from __future__ import annotations

import pytest

from .helpers import analyze

SEED_000 = """
from typing import Tuple
from typing_extensions import Annotated
from sklearn.base import ClassifierMixin
from flowplan import step, pipeline, get_step_context
from flowplan.config.retry_config import StepRetryConfig
from flowplan.hooks import alerter_success_hook, alerter_failure_hook

@step
def load_data() -> dict:
    training_data = [[1, 2], [3, 4], [5, 6]]
    labels = [0, 1, 0]
    return {'features': training_data, 'labels': labels}

@step
def train_model(data: dict) -> None:
    total_features = sum(map(sum, data['features']))
    total_labels = sum(data['labels'])
    print(f"Trained model using {len(data['features'])} data points. "
          f"Feature sum is {total_features}, label sum is {total_labels}")

@step
def square_root(number: int) -> float:
    return number ** 0.5

@step
def divide(a: int, b: int) -> Tuple[int, int]:
    return a // b, a % b

@step
def divide_named(a: int, b: int) -> Tuple[
    Annotated[int, "quotient"],
    Annotated[int, "remainder"]
]:
    return a // b, a % b

@step
def train_classifier(X_train, y_train) -> Tuple[
    Annotated[ClassifierMixin, "model"],
    Annotated[float, "accuracy"]
]:
    model = SVC(gamma=0.001)
    model.fit(X_train, y_train)
    accuracy = model.score(X_train, y_train)
    return model, accuracy

@step
def my_step(input_1: int, input_2: int) -> None:
    pass

@step(enable_cache=False)
def non_cached_step():
    pass

@step(
    retry=StepRetryConfig(
        max_retries=3,  # Maximum number of retry attempts
        delay=10,       # Initial delay in seconds before first retry
        backoff=2       # Factor by which delay increases after each retry
    )
)
def unreliable_step():
    # This step might fail due to transient issues
    ...

def success_hook(step_name, step_output):
    print(f"Step {step_name} completed successfully with output: {step_output}")

def failure_hook(exception: BaseException):
    print(f"Step failed with error: {str(exception)}")

@step(on_success=success_hook, on_failure=failure_hook)
def hooked_step():
    return 42

@step(on_failure=failure_hook)
def failing_step(some_parameter: int = 1):
    raise ValueError("My exception")

@step(on_failure=alerter_failure_hook, on_success=alerter_success_hook)
def alerted_step():
    ...
"""

SEED_001 = '''
from typing import Annotated, List, Optional, Tuple
from uuid import UUID
import time

from flowplan import step, pipeline, get_step_context
from flowplan.client import Client


@step
def my_step() -> Tuple[int, int]:
    output_value = (0, 1)
    return output_value

@step
def my_step_variable(condition) -> Tuple[int, ...]:
    if condition:
        output_value = (0, 1)
    else:
        output_value = (0, 1, 2)

    return output_value

@step
def my_step_annotated() -> Annotated[Tuple[int, ...], "my_output"]:
    return 0, 1

@step
def my_step_multiple() -> Tuple[int, int]:
    return 0, 1

@step
def square_root(number: int) -> Annotated[float, "custom_output_name"]:
    return number ** 0.5

@step
def load_step() -> str:
    return "Hello from ZenML!"

@step
def process_step(input_data: str) -> str:
    return input_data

@step
def combine_step(step_prefix: str, output_name: str) -> None:
    run_name = get_step_context().pipeline_run.name
    run = Client().get_pipeline_run(run_name)

    # Fetch all results from parallel processing steps
    processed_results = {}
    for step_name, step_info in run.steps.items():
        if step_name.startswith(step_prefix):
            output = step_info.outputs[output_name][0]
            processed_results[step_info.name] = output.load()

    # Combine all results
    print(",".join([f"{k}: {v}" for k, v in processed_results.items()]))

@step
def load_relevant_chunks() -> List[str]:
    """Load chunk identifiers from database or other dynamic source."""
    return ["chunk_1", "chunk_2", "chunk_3", "chunk_4"]

@step
def trigger_chunk_processing(
    chunks: List[str],
    snapshot_id: Optional[UUID] = None
) -> List[UUID]:
    """Trigger multiple pipeline runs for each chunk and wait for completion."""
    client = Client()
    pipeline_name = None if snapshot_id else "chunk_processing_pipeline"
    run_ids = []
    for chunk_id in chunks:
        run_config = {"steps": {"process_chunk": {"parameters": {"chunk_id": chunk_id}}}}
        run = client.trigger_pipeline(
            snapshot_name_or_id=snapshot_id,
            pipeline_name_or_id=pipeline_name,
            run_configuration=run_config,
            synchronous=False  # Run asynchronously
        )
        run_ids.append(run.id)
    completed_runs = set()
    while True:
        pending_runs = [run_id for run_id in run_ids if run_id not in completed_runs]
        for run_id in pending_runs:
            run = client.get_pipeline_run(run_id)
            if run.status.is_finished:
                completed_runs.add(run_id)
        if len(completed_runs) == len(run_ids):
            break
        time.sleep(10)
    return run_ids

@step
def aggregate_results(run_ids: List[UUID]) -> dict:
    """Aggregate results from all chunk processing runs."""
    client = Client()
    aggregated_results = {}
    failed_runs = []
    for run_id in run_ids:
        run = client.get_pipeline_run(run_id)
        if run.status.value == "failed":
            failed_runs.append({"run_id": str(run_id), "status": run.status.value})
            continue
        if "process_chunk" in run.steps:
            step_run = run.steps["process_chunk"]
            chunk_result = step_run.output.load()
            aggregated_results[str(run_id)] = chunk_result
    return {
        "successful_results": aggregated_results,
        "failed_runs": failed_runs,
        "summary": {"total_runs": len(run_ids)},
    }

@step
def process_chunk(chunk_id: Optional[str] = None) -> dict:
    """Process a single chunk of data."""
    print(f"Processing chunk: {chunk_id}")
    return {
        "chunk_id": chunk_id,
        "processed_items": 100,
        "status": "completed"
    }

@step
def none_step() -> None:
    ...

@pipeline(enable_cache=False)
def fan_out_fan_in_pipeline(parallel_count: int) -> None:
    input_data = load_step()
    after = []
    for i in range(parallel_count):
        artifact = process_step(input_data, id=f"process_{i}")
        after.append(artifact)
    combine_step(step_prefix="process_", output_name="output", after=after)
'''

Expected = tuple[list[tuple[str, str | None]], list[str]]  # outputs, missing annotations
EXPECTED: dict[str, dict[str, Expected]] = {
    SEED_000: {
        "load_data": ([("output", "dict")], []),
        "train_model": ([], []),
        "square_root": ([("output", "float")], []),
        "divide": ([("output_0", "int"), ("output_1", "int")], []),
        "divide_named": ([("quotient", "int"), ("remainder", "int")], []),
        "train_classifier": (
            [("model", "ClassifierMixin"), ("accuracy", "float")],
            ["X_train", "y_train"],
        ),
        "my_step": ([], []),
        "non_cached_step": ([], []),
        "unreliable_step": ([], []),
        "hooked_step": ([("output", None)], ["return"]),
        "failing_step": ([], []),
        "alerted_step": ([], []),
    },
    SEED_001: {
        "my_step": ([("output", "Tuple[int, int]")], []),
        "my_step_variable": ([("output", "Tuple[int, ...]")], ["condition"]),
        "my_step_annotated": ([("my_output", "Tuple[int, ...]")], []),
        "my_step_multiple": ([("output_0", "int"), ("output_1", "int")], []),
        "square_root": ([("custom_output_name", "float")], []),
        "load_step": ([("output", "str")], []),
        "process_step": ([("output", "str")], []),
        "combine_step": ([], []),
        "load_relevant_chunks": ([("output", "List[str]")], []),
        "trigger_chunk_processing": ([("output", "List[UUID]")], []),
        "aggregate_results": ([("output", "dict")], []),
        "process_chunk": ([("output", "dict")], []),
        "none_step": ([], []),
        "fan_out_fan_in_pipeline": ([], []),
    },
}

CASES = [(seed, name, want) for seed, steps in EXPECTED.items() for name, want in steps.items()]


@pytest.mark.parametrize(("seed", "name", "want"), CASES, ids=[c[1] for c in CASES])
def test_seed_step(seed: str, name: str, want: Expected) -> None:
    sig = analyze(seed, "seed.py").functions[name]
    outputs, missing = want
    assert sig.diagnostics == ()
    assert [(o.name, o.annotation) for o in sig.outputs] == outputs
    assert sig.multi_output is (len(outputs) > 1)
    assert list(sig.missing_annotations) == missing


def test_seed_variadic_tuple_literal_is_refused() -> None:
    """Seed 001's "Not allowed" example."""
    source = """
    from typing import Tuple

    @step
    def my_step() -> Tuple[int, ...]:
        return 0, 1
    """
    (problem,) = analyze(source).functions["my_step"].diagnostics
    assert (problem.code, problem.line) == ("FP102", 6)


def test_seed_inputs() -> None:
    analysis = analyze(SEED_001)
    chunks, snapshot = analysis.functions["trigger_chunk_processing"].inputs
    assert (chunks.name, chunks.annotation, chunks.has_default) == ("chunks", "List[str]", False)
    assert (snapshot.annotation, snapshot.default_source) == ("Optional[UUID]", "None")
    failing = analyze(SEED_000).functions["failing_step"].inputs[0]
    assert (failing.annotation, failing.has_default, failing.default_source) == ("int", True, "1")
