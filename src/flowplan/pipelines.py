"""The public ``@pipeline`` and ``Pipeline``, typed with the run a call returns.

The compiler's :class:`flowplan.compiler.pipeline.Pipeline` cannot name ``PipelineRun``,
which lives above it (in the store).  To type checkers, the public API's ``Pipeline`` is
the compiler's class whose call returns a ``PipelineRun``; at run time both names are the
compiler's own objects, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from flowplan.compiler import pipeline as compiler_pipeline
from flowplan.compiler.generics import FuncP, FuncR, P, R

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from flowplan.compiler.options import PipelineOptions
    from flowplan.store.views import PipelineRun

    class Pipeline(compiler_pipeline.Pipeline[P, R]):
        def __call__(self, *args: P.args, **params: P.kwargs) -> PipelineRun:
            return super().__call__(*args, **params)  # type: ignore[no-any-return]

    @overload
    def pipeline(func: Callable[FuncP, FuncR]) -> Pipeline[FuncP, FuncR]: ...

    @overload
    def pipeline(
        func: None = None, **options: Unpack[PipelineOptions]
    ) -> Callable[[Callable[FuncP, FuncR]], Pipeline[FuncP, FuncR]]: ...

    def pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
        return compiler_pipeline.pipeline(func, **options)
else:
    Pipeline = compiler_pipeline.Pipeline
    pipeline = compiler_pipeline.pipeline

__all__ = ["Pipeline", "pipeline"]
