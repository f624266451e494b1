"""A cached output whose class is defined in the pipeline's file, written by a local run and
read by a step on the Dask cluster, and the other way round (each run its own process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_pipeline_file_classes import check_second_run, run_twice

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second"), [("thread", "dask"), ("dask", "thread")])
def test_classes_of_the_script_cross_orchestrators(
    dask_address: str, tmp_path: Path, first: str, second: str
) -> None:
    check_second_run(run_twice(tmp_path, first, second, dask_address))
