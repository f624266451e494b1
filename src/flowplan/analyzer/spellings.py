"""The two spellings of the programming model (DESIGN decision 17): ``flowplan`` and ``zenml``.

Code written today mostly imports ``zenml``; ``flow check`` reads it as the same model.  A
qualified name in ZenML spelling stands for the flowplan object of the same path
(``zenml.step`` is ``flowplan.step``, ``zenml.enums.ExecutionMode`` is
``flowplan.enums.ExecutionMode``), plus ZenML's legacy paths (``zenml.steps.step``,
``zenml.pipelines.pipeline``).  What flowplan lacks (``zenml.Model``, ``zenml.ArtifactConfig``,
integrations, …) is simply not known statically: valid, never an error.
"""

from __future__ import annotations

from typing import Literal

Spelling = Literal["flowplan", "zenml"]
SPELLINGS: tuple[Spelling, ...] = ("flowplan", "zenml")
MARKERS = tuple(s.encode() for s in SPELLINGS)  # a file mentioning neither is not in scope

_LEGACY = {
    "zenml.steps.step": "flowplan.step",
    "zenml.steps.base_step.step": "flowplan.step",
    "zenml.pipelines.pipeline": "flowplan.pipeline",
    "zenml.new.pipelines.pipeline_decorator.pipeline": "flowplan.pipeline",
    "zenml.steps.get_step_context": "flowplan.get_step_context",
}


def mentions_model(data: bytes) -> bool:
    """The cheap test that spares files unrelated to either spelling any parsing."""
    return any(marker in data for marker in MARKERS)


def spelling_of(qualified: str | None) -> Spelling | None:
    """Which spelling a qualified name is written in, if either."""
    head = (qualified or "").split(".", 1)[0]
    return "flowplan" if head == "flowplan" else "zenml" if head == "zenml" else None


def canonical(qualified: str) -> str:
    """flowplan's qualified name for ``qualified`` in either spelling."""
    if qualified in _LEGACY:
        return _LEGACY[qualified]
    head, dot, rest = qualified.partition(".")
    return f"flowplan{dot}{rest}" if head == "zenml" else qualified
