"""FP003-FP007, FP009, FP010: a YAML run configuration checked against its pipeline."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

_PIPELINE = """
    from flowplan import pipeline, step

    @step
    def train(epochs: int) -> float:
        return 0.1 * epochs

    @pipeline(config_path="run.yaml")
    def training(learning_rate: float = 0.1) -> None:
        train(epochs=3)
"""

RULE = Rule(
    name="run-configuration",
    codes=("FP003", "FP004", "FP005", "FP006", "FP007", "FP009", "FP010"),
    summary="a run configuration is malformed or names what its pipeline lacks",
    rationale="""
        A run configuration -- a YAML file that code names (`config_path="run.yaml"`) or
        that a `run-configs` glob of `[tool.flowplan]` matches (`run-configs =
        ["configs/*.yaml"]`); any other YAML file is not flowplan's and is left alone,
        with a note when it is named on the command line -- is read when the run starts;
        until then a typo in it is invisible.  Every key is
        checked against the schema (FP003 malformed YAML, FP004 unknown key, FP005 wrong
        value) and against the pipeline's static plan (FP006 unknown step id, FP007
        unknown parameter), at the line and column of the key; FP009 when the file named
        in `config_path=` exists nowhere; FP010 when its aliases would expand past the
        bounds.
    """,
    check=front_end("FP003", "FP004", "FP005", "FP006", "FP007", "FP009", "FP010"),
    valid=(
        {
            "example.py": _PIPELINE,
            "run.yaml": """
                parameters:
                  learning_rate: 0.01
                steps:
                  train:
                    parameters:
                      epochs: 5
                    enable_cache: false
            """,
        },
    ),
    invalid=(
        {
            "example.py": _PIPELINE,
            "run.yaml": """
                parameters:
                  learning_rte: 0.01  # expect: FP007:3
                steps:
                  trian:  # expect: FP006:3
                    enable_cache: false
            """,
        },
        {
            "example.py": _PIPELINE,
            "run.yaml": """
                enable_cache: maybe  # expect: FP005:15
                steps:
                  train:
                    retries: 3  # expect: FP004:5
            """,
        },
        {
            "example.py": _PIPELINE,
            "run.yaml": """
                steps:
                  train:
                    enable_cache: false
                   parameters: {}  # expect: FP003:4
            """,
        },
        {
            "example.py": _PIPELINE,
            "run.yaml": """
                parameters: &loop  # expect: FP010:13
                  learning_rate: *loop
            """,
        },
        """
        from flowplan import pipeline, step

        @step
        def train() -> None: ...

        @pipeline(config_path="missing.yaml")  # expect: FP009:1
        def training() -> None:
            train()
        """,
    ),
)
