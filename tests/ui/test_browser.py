"""The dashboard as a person sees it: `flow ui` in a subprocess, pages in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowplan.ui.dag_svg import STATUS_COLOURS
from tests.ui.conftest import (
    PIPELINES,
    Server,
    Store,
    flow_env,
    start_ui,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow


def rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def svg_texts(page: Any, selector: str) -> list[str]:
    """The text an SVG ``<text>`` shows (its ``<title>`` tooltip left out)."""
    found: list[str] = page.eval_on_selector_all(
        selector, "els => els.map(e => e.childNodes[0].textContent)"
    )
    return found


def node_fills(page: Any) -> dict[str, str]:
    """Step id -> the fill colour the browser paints its box with."""
    result: dict[str, str] = page.eval_on_selector_all(
        "svg.dag g.node",
        "nodes => Object.fromEntries(nodes.map(n => "
        "[n.dataset.step, getComputedStyle(n.querySelector('rect')).fill]))",
    )
    return result


def test_pipelines_page_shows_latest_runs_and_hides_the_webhook(
    page: Any, server: Server, store: Store
) -> None:
    page.goto(server.url + "/")
    rows = page.locator("tr.pipeline-row")
    assert rows.count() == 3
    failing = rows.filter(has_text="failing")
    latest = store.runs("failing")[0]
    assert failing.locator("td").nth(2).inner_text() == latest.name
    assert failing.locator(".badge").inner_text() == "failed"
    fan_out = rows.filter(has_text="fan_out")
    assert fan_out.locator("td").nth(1).inner_text() == "3"  # two runs and the snapshot's
    stack = page.locator("dl.stack").inner_text()
    assert "webhook" in stack and "hooks.example.invalid" in stack
    assert "SECRET" not in page.content()


def test_runs_page_lists_runs_and_filters_them(page: Any, server: Server, store: Store) -> None:
    page.goto(server.url + "/runs")
    assert page.locator("tr.run-row").count() == 5
    failed = store.runs("failing")[0]
    assert page.locator("tr.run-row", has_text=failed.name).locator(".badge").inner_text() == (
        "failed"
    )
    page.select_option("select[name=status]", "failed")
    page.click("form.filters button")
    page.wait_for_url("**/runs?*status=failed*")
    assert page.locator("tr.run-row").all_inner_texts()[0].startswith(failed.name)
    assert page.locator("tr.run-row").count() == 1
    page.select_option("select[name=status]", "")
    page.select_option("select[name=pipeline]", "fan_out")
    page.click("form.filters button")
    page.wait_for_url("**/runs?pipeline=fan_out*")
    assert page.locator("tr.run-row").count() == 3
    assert page.locator(".total").inner_text() == "3 runs"


def test_run_page_draws_one_node_per_step_in_status_colours(
    page: Any, server: Server, store: Store
) -> None:
    cached, first = store.runs("fan_out")[1], store.runs("fan_out")[2]  # newest first
    page.goto(f"{server.url}/runs/{first.id}")
    fills = node_fills(page)
    assert len(fills) == 52 == len(first.steps)
    assert set(fills) == set(first.steps)
    assert set(fills.values()) == {rgb(STATUS_COLOURS["completed"])}
    labels = set(svg_texts(page, "svg.dag text.edge-label"))
    assert labels == {"numbers", "squared"}

    page.goto(f"{server.url}/runs/{cached.id}")
    assert page.locator("#run-status .badge").inner_text() == "completed"
    assert set(node_fills(page).values()) == {rgb(STATUS_COLOURS["cached"])}
    assert page.locator("#run-counts").inner_text() == "52 cached"

    failed = store.runs("failing")[0]
    page.goto(f"{server.url}/runs/{failed.id}")
    assert node_fills(page) == {
        "prepare": rgb(STATUS_COLOURS["completed"]),
        "explode": rgb(STATUS_COLOURS["failed"]),
        "after_failure": rgb(STATUS_COLOURS["skipped"]),
    }


def test_step_panel_shows_logs_output_preview_and_download(
    page: Any, server: Server, store: Store
) -> None:
    first = store.runs("fan_out")[2]
    page.goto(f"{server.url}/runs/{first.id}")
    page.click("svg.dag g.node[data-step=total]")
    panel = page.locator("#step .step-panel")
    panel.wait_for()
    assert panel.locator("h2").inner_text().startswith("Step total")
    assert "sum of squares: 40425" in panel.locator("[data-stream=stdout] pre").inner_text()
    preview = json.loads(panel.locator("[data-output=summary] pre.preview").inner_text())
    assert preview == {"count": 50, "sum": 40425}
    href = panel.locator("[data-output=summary] a.download").get_attribute("href")
    response = page.request.get(server.url + href)
    assert response.ok and json.loads(response.body()) == {"count": 50, "sum": 40425}
    assert "attachment" in response.headers["content-disposition"]
    log = page.request.get(
        server.url + panel.locator("[data-stream=stdout] a").first.get_attribute("href")
    )
    assert log.text() == "sum of squares: 40425\n"


def test_failed_step_shows_its_error_and_a_cached_step_links_its_origin(
    page: Any, server: Server, store: Store
) -> None:
    failed = store.runs("failing")[0]
    page.goto(f"{server.url}/runs/{failed.id}?step=explode")
    panel = page.locator("#step")
    assert "RuntimeError: the model diverged" in panel.locator("[data-stream=error] pre").inner_text()
    assert "about to fail" in panel.locator("[data-stream=stdout] pre").inner_text()
    assert panel.locator("table.attempts tbody tr").count() == 1

    cached, first = store.runs("fan_out")[1], store.runs("fan_out")[2]
    page.goto(f"{server.url}/runs/{cached.id}?step=load")
    link = page.locator("#step .provenance a")
    assert link.inner_text() == f"load of run {first.name}"
    link.click()
    page.wait_for_url(f"**/runs/{first.id}?step=load*")
    assert page.locator("#step h2").inner_text().startswith("Step load")
    assert page.locator("#step .badge").inner_text() == "completed"


def test_markup_from_user_code_shows_as_text(page: Any, server: Server, store: Store) -> None:
    run = store.runs("markup")[0]
    step_id = "<script>window.__xss=3</script>"
    page.goto(f"{server.url}/runs/{run.id}")
    assert page.locator("svg.dag g.node").count() == 2
    assert step_id[:21] + "…" in svg_texts(page, "svg.dag g.node text.node-label")
    page.click("svg.dag g.node >> nth=0")
    panel = page.locator("#step .step-panel")
    panel.wait_for()
    assert panel.locator("h2").inner_text().startswith(f"Step {step_id}")
    stdout = panel.locator("[data-stream=stdout] pre").inner_text()
    assert "<script>window.__xss = 1</script> printed by a step" in stdout
    preview = panel.locator("[data-output=html] pre").inner_text()
    assert preview == "<script>window.__xss = 2</script><b>bold?</b>"
    assert panel.locator("[data-output=html] pre b").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main script").count() == 0


def test_large_logs_and_artifacts_are_clipped_with_a_download_link(
    page: Any, server: Server, store: Store
) -> None:
    run = store.runs("markup")[0]
    page.goto(f"{server.url}/runs/{run.id}?step=loud")
    log = page.locator("[data-stream=stdout]")
    shown = log.locator("pre").inner_text()
    assert shown.rstrip().endswith("line 01999 " + "x" * 40)
    assert "line 00000" not in shown  # the start is cut: the end of a log is what matters
    notice = log.locator(".truncated")
    assert "Showing the last 65536 of 104000 characters" in notice.inner_text()
    whole = page.request.get(server.url + notice.locator("a").get_attribute("href"))
    assert len(whole.text()) == 104_000 and whole.text().startswith("line 00000")
    output = page.locator("[data-output=essay]")
    assert len(output.locator("pre").inner_text()) == 16 * 1024
    assert "Preview truncated" in output.locator(".truncated").inner_text()
    data = page.request.get(server.url + output.locator(".truncated a").get_attribute("href"))
    assert json.loads(data.body()) == "word " * 10_000


def test_snapshots_page_lists_each_snapshot_with_its_runs(
    page: Any, server: Server, store: Store
) -> None:
    page.goto(server.url + "/snapshots")
    row = page.locator("tr.snapshot-row", has_text="nightly")
    assert row.locator("td").nth(3).inner_text() == "1"
    assert row.locator("td").nth(4).inner_text() == "the fan-out, <i>nightly</i>"
    row.locator("a").first.click()
    page.wait_for_url("**/snapshots/*")
    runs = page.locator("tr.run-row")
    assert runs.count() == 1
    triggered = store.runs("fan_out")[0]
    assert runs.locator("a").first.inner_text() == triggered.name
    runs.locator("a").first.click()
    assert page.locator("svg.dag g.node").count() == 5  # load, 3 squares, total


@pytest.mark.parametrize(
    "path",
    [
        "/runs/no-such-run",
        "/runs/00000000-0000-0000-0000-000000000000/panel?step=x",
        "/snapshots/no-such-snapshot",
        "/artifacts/not-an-id/download",
        "/artifacts/00000000-0000-0000-0000-000000000000/download",
    ],
)
def test_unknown_ids_are_404_pages(page: Any, server: Server, path: str) -> None:
    response = page.goto(server.url + path)
    assert response.status == 404
    assert page.locator("h1").inner_text() == "404 · Not found"
    assert "Traceback" not in page.content()


def test_the_dashboard_only_reads(page: Any, server: Server, store: Store) -> None:
    run = store.runs("failing")[0]
    for path in ("/", "/runs", f"/runs/{run.id}", f"/runs/{run.id}/live"):
        assert page.request.post(server.url + path).status == 405
        assert page.request.delete(server.url + path).status == 405
    assert store.runs("failing")[0].status.value == "failed"


def test_unknown_step_of_a_known_run_is_a_404_page(page: Any, server: Server, store: Store) -> None:
    run = store.runs("failing")[0]
    response = page.goto(f"{server.url}/runs/{run.id}?step=nope")
    assert response.status == 404
    assert "has no step `nope`" in page.locator("pre.error-message").inner_text()


def test_a_running_run_turns_completed_without_a_reload(
    page: Any, tmp_path: Path
) -> None:
    project = tmp_path / "live"
    project.mkdir()
    home = project / ".flowplan"
    marker = project / "go"
    runner = subprocess.Popen(
        [sys.executable, str(PIPELINES), "slow"],
        cwd=project,
        env=flow_env(home, UI_TEST_MARKER=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        live = Store(project, home)
        wait_for(lambda: home.joinpath("flowplan.db").exists() and live.runs("slow"),
                 what="the run to be recorded")
        wait_for(lambda: live.runs("slow")[0].steps, what="its first step to start")
        run = live.runs("slow")[0]
        server = start_ui(home, project)
        page.goto(f"{server.url}/runs/{run.id}?step=wait_for_marker")
        assert page.locator("#run-status .badge").inner_text() == "running"
        assert node_fills(page) == {
            "wait_for_marker": rgb(STATUS_COLOURS["running"]),
            "finish": rgb(STATUS_COLOURS["pending"]),
        }
        page.evaluate("window.__not_reloaded = true")
        marker.touch()
        page.locator("#run-status .badge[data-status=completed]").wait_for(timeout=30_000)
        assert page.evaluate("window.__not_reloaded") is True
        assert set(node_fills(page).values()) == {rgb(STATUS_COLOURS["completed"])}
        page.locator("#step .step-panel .badge[data-status=completed]").wait_for()
        assert page.locator("#run-counts").inner_text() == "2 completed"
        assert runner.wait(timeout=60) == 0
    finally:
        marker.touch()
        if runner.poll() is None:
            runner.wait(timeout=60)
        if server is not None:
            stop(server)
