"""``ArtifactConfig``: how a step output is stored -- its name, tags and metadata.

Written in a return annotation, as in ZenML::

    @step
    def train() -> Annotated[Model, ArtifactConfig(name="model", tags=["prod"])]: ...

The name is read from source like an ``Annotated`` string name (so it must be a string
literal); tags and metadata are attached to each artifact version the output stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArtifactConfig:
    """How an annotated output is stored: its artifact name, tags and metadata (``Annotated[T,
    ArtifactConfig(...)]``)."""

    name: str | None = None
    tags: Sequence[str] = ()
    run_metadata: Mapping[str, Any] = field(default_factory=dict)
    version: str | int | None = None  # accepted for ZenML code; versions are numbered 1, 2, …
    is_model_artifact: bool = False
    is_deployment_artifact: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.tags, str):
            object.__setattr__(self, "tags", (self.tags,))
        object.__setattr__(self, "tags", tuple(str(t) for t in self.tags))
        object.__setattr__(self, "run_metadata", dict(self.run_metadata or {}))


def artifact_config(annotation: Any) -> ArtifactConfig | None:
    """The ``ArtifactConfig`` in an ``Annotated`` annotation's metadata, if there is one."""
    for item in getattr(annotation, "__metadata__", ()):
        if isinstance(item, ArtifactConfig):
            return item
    return None
