# zenml.pipelines (the legacy path) spelled with flowplan's typed API.
from typing import Any

from flowplan import Pipeline as Pipeline
from flowplan import pipeline as pipeline

def __getattr__(name: str) -> Any: ...
