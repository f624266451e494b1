# zenml.steps (the legacy path) spelled with flowplan's typed API.
from typing import Any

from flowplan import BaseStep as BaseStep
from flowplan import get_step_context as get_step_context
from flowplan import step as step

def __getattr__(name: str) -> Any: ...
