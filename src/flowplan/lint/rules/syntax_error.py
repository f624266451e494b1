"""FP001 syntax-error and FP002 unreadable-file: a checked file that cannot be read at all."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="unreadable-source",
    codes=("FP001", "FP002"),
    summary="a checked file does not parse, or cannot be read or decoded",
    rationale="""
        `flow check` reads files, it never imports them; a file it cannot parse is one
        diagnostic at the position Python reports (not a traceback), and the rest of the
        project is still checked.  Importing such a file would fail with Python's own
        `SyntaxError` or `UnicodeDecodeError`.
    """,
    check=front_end("FP001", "FP002"),
    valid=(
        """
        # -*- coding: latin-1 -*-
        from flowplan import step

        @step
        def greet() -> str:
            return "hello"
        """,
        """
        from flowplan import step

        @step
        def load() -> int:
            return 1
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline

        @pipeline
        def training() -> None:
            print("unclosed"  # expect: FP001:10
        """,
        """
        from flowplan import step

        @step
        def load() -> int  # expect: FP001:20
            return 1
        """,
        """
        # -*- coding: no-such-encoding -*-  # expect: FP002:1
        from flowplan import step
        """,
    ),
)
