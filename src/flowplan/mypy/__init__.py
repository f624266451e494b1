"""The mypy plugin: ``plugins = ["flowplan.mypy"]`` in the mypy configuration."""

from flowplan.mypy.plugin import plugin, stubs_path

__all__ = ["plugin", "stubs_path"]
