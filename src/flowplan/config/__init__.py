"""Configuration objects at their seed-compatible import paths."""

from flowplan.config.resource_settings import ResourceSettings
from flowplan.config.retry_config import StepRetryConfig

__all__ = ["ResourceSettings", "StepRetryConfig"]
