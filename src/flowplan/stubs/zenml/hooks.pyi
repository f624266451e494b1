from typing import Any

from flowplan.hooks import alerter_failure_hook as alerter_failure_hook
from flowplan.hooks import alerter_success_hook as alerter_success_hook

def __getattr__(name: str) -> Any: ...
