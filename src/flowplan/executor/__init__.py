"""Running validated plans: scheduler, execution modes, retries, hooks, step context."""
