from typing import Any

from flowplan.enums import ExecutionMode as ExecutionMode
from flowplan.enums import ExecutionStatus as ExecutionStatus

def __getattr__(name: str) -> Any: ...
