from flowplan.config.retry_config import StepRetryConfig as StepRetryConfig
