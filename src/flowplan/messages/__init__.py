"""The text of every diagnostic, one constructor per message, as mypy keeps its messages.

A code's messages are all built in one module of this package (a test checks it), so the two
front ends, the validator and the linter report a problem with the same words by
construction; no module outside this package calls ``codes.make``.  Modules follow the
code ranges: :mod:`.files` (FP0xx), :mod:`.definitions` (FP1xx), :mod:`.wiring` (FP2xx),
:mod:`.settings` (FP3xx), :mod:`.runtime` (FP5xx of runs, workers, clusters and the
dashboard), :mod:`.store` (FP5xx the store gives), :mod:`.lint` (FP8xx), :mod:`.internal`
(FP9xx).  Constructors take plain values and a location, and import nothing
but the vocabulary (``codes``, ``diagnostics``).
"""

from __future__ import annotations

from collections.abc import Iterable

from flowplan.lazy import lazy_submodules

# The messages of a problem are needed once it happens: ``from flowplan.messages import
# runtime`` binds a stand-in, and the module loads at its first message.
__getattr__ = lazy_submodules(
    __name__, ("definitions", "files", "internal", "lint", "runtime", "settings", "store", "wiring")
)


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word nearest to ``word`` for a did-you-mean hint (difflib's ratio of at
    least 0.6), if any; difflib is imported only when a message needs it."""
    import difflib

    found = difflib.get_close_matches(word, list(known), n=1)
    return found[0] if found else None
