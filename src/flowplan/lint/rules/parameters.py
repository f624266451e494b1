"""FP301, FP302, FP306: parameter values -- literals passed to steps, pipeline defaults."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

CODES = ("FP301", "FP302", "FP306")

RULE = Rule(
    name="parameter-values",
    codes=CODES,
    summary="a parameter is not JSON, is a set, or does not fit its annotation",
    rationale="""
        Parameters are stored as JSON and join the cache key (DESIGN decision 8): a value
        JSON cannot hold (FP301) or a set, whose order is unstable (FP302), is refused, and
        a value must fit the input's annotation (FP306).  `flow check` knows literal values
        and the defaults of pipeline parameters, and checks them against annotations built
        from the standard library's types.
    """,
    check=front_end(*CODES),
    valid=(
        """
        from typing import Dict, List, Optional

        from flowplan import pipeline, step

        @step
        def configure(options: Dict[str, List[int]], name: Optional[str] = None) -> int:
            return len(options)

        @pipeline
        def configured(name: str = "run") -> None:
            configure({"layers": [64, 32]}, name=name)
            configure({}, name=None)
        """,
        """
        from flowplan import pipeline, step

        @step
        def train(columns: list, epochs: int = 1, rate: float = 0.1) -> float:
            return epochs * rate

        @pipeline
        def training(epochs: int = 3) -> None:
            train(["age", "income"], epochs=epochs, rate=0.5)
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def train(columns: list, epochs: int = 1) -> float:
            return epochs * 0.1

        @pipeline
        def training() -> None:
            train({"age", "income"})  # expect: FP302:5
            train(["age"], epochs="ten")  # expect: FP306:5
            train([{1: "a"}])  # expect: FP301:5

        @pipeline  # expect: FP306:1
        def defaults(epochs: int = "many") -> None:
            train([], epochs=3)
        """,
    ),
)
