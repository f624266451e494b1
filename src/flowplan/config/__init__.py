"""Configuration objects at their seed-compatible import paths."""

from flowplan.config.retry_config import StepRetryConfig

__all__ = ["StepRetryConfig"]
