"""Tracing front end, Plan IR, validator."""
