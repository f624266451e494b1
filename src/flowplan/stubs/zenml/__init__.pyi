# The ZenML spelling of flowplan's API, for type checkers only (DESIGN decision 17): with
# this folder on mypy_path, `from zenml import step` is flowplan's typed `step`.  Names
# flowplan does not have (stack components, model control plane, ...) are Any.
from typing import Any

from flowplan import BaseStep as BaseStep
from flowplan import Client as Client
from flowplan import Pipeline as Pipeline
from flowplan import get_step_context as get_step_context
from flowplan import pipeline as pipeline
from flowplan import step as step

def __getattr__(name: str) -> Any: ...
