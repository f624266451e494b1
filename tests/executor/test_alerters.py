"""Alerters, the active stack, project settings, and the ready-made alerter hooks."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from flowplan import Client, RunFailedError, pipeline, step
from flowplan.alerters import LogAlerter, WebhookAlerter
from flowplan.diagnostics import ConfigError
from flowplan.hooks import alerter_failure_hook, alerter_success_hook
from flowplan.project import project_settings


class Receiver:
    """A real HTTP server on 127.0.0.1 that keeps what is posted to it."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[str, str, Any]] = []
        self.authorizations: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.authorizations.append(self.headers.get("Authorization"))
                receiver.posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/secret"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("ALERTER", "ALERTER_URL", "ORCHESTRATOR", "SELECT"):
        monkeypatch.delenv(f"FLOWPLAN_{name}", raising=False)
        monkeypatch.delenv(f"ZENML_{name}", raising=False)
    return folder


def write_pyproject(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.flowplan]\n{body}")


def test_the_default_alerter_logs_at_warning_and_writes_stderr(
    project: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    alerter = Client().active_stack.alerter
    assert isinstance(alerter, LogAlerter)
    with caplog.at_level(logging.WARNING, logger="flowplan.alerters"):
        assert alerter.post("model deployed")
    assert [r.getMessage() for r in caplog.records] == ["model deployed"]
    assert caplog.records[0].levelno == logging.WARNING
    assert "model deployed" in capsys.readouterr().err


def test_webhook_posts_slack_compatible_json(project: Path, receiver: Receiver) -> None:
    write_pyproject(project, f'alerter = "webhook"\nalerter-url = "{receiver.url}"\n')
    alerter = Client().active_stack.alerter
    assert isinstance(alerter, WebhookAlerter) and alerter.timeout == 5.0
    assert alerter.post("training finished", {"username": "flowplan"})
    assert receiver.posts == [
        (
            "/services/T0/B0/secret",
            "application/json",
            {"text": "training finished", "username": "flowplan"},
        )
    ]
    assert "secret" not in repr(alerter)


def test_webhook_delivery_failures_are_logged_not_raised(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refusing = Receiver(status=500)
    try:
        assert WebhookAlerter(refusing.url).post("hello") is False
    finally:
        refusing.close()
    closed_port = refusing.url  # the server is gone now
    assert WebhookAlerter(closed_port, timeout=1).post("hello") is False
    messages = [r.getMessage() for r in caplog.records if r.name == "flowplan.alerters"]
    assert len(messages) == 2 and all("could not deliver" in m for m in messages)
    assert all("secret" not in m for m in messages)


def test_environment_overrides_pyproject(
    project: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(project, 'alerter = "log"\n')
    monkeypatch.setenv("FLOWPLAN_ALERTER", "webhook")
    monkeypatch.setenv("FLOWPLAN_ALERTER_URL", receiver.url)
    assert isinstance(Client().active_stack.alerter, WebhookAlerter)
    monkeypatch.delenv("FLOWPLAN_ALERTER_URL")
    with pytest.raises(ConfigError) as info:
        Client().active_stack.alerter  # noqa: B018
    assert info.value.code == "FP008"


def test_project_settings_accept_both_spellings_and_report_problems(project: Path) -> None:
    write_pyproject(
        project,
        'dask_address = "tcp://h:8786"\nalerter-url = "http://x"\nalertr = "log"\n'
        'orchestrator = "kubernetes"\nselect = ["FP1"]\n',
    )
    settings = project_settings()
    assert settings.dask_address == "tcp://h:8786"
    assert settings.alerter_url == "http://x"
    assert settings.select == ["FP1"]
    assert settings.orchestrator == "local"  # the bad value keeps the default
    problems = {d.message: d for d in settings.diagnostics}
    assert all(d.code == "FP008" for d in settings.diagnostics) and len(problems) == 2
    unknown = problems["[tool.flowplan] has the unknown key `alertr`"]
    assert unknown.fix == "did you mean `alerter`?" and unknown.line == 7
    assert any(m.startswith("`orchestrator` in [tool.flowplan]") for m in problems)


def test_project_settings_from_the_environment_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLAN_SELECT", "FP1, FP2")
    monkeypatch.setenv("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "yes")
    settings = project_settings()
    assert settings.select == ["FP1", "FP2"] and settings.enforce_type_annotations is True
    assert settings.pyproject is None and settings.diagnostics == ()


@step(enable_cache=False, on_success=alerter_success_hook, on_failure=alerter_failure_hook)
def alerting(fail: bool = False) -> int:
    if fail:
        raise ValueError("bad data")
    return 1


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_alerter_hooks_post_pipeline_run_step_and_error(
    project: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, isolation: str
) -> None:
    monkeypatch.setenv("FLOWPLAN_ALERTER", "webhook")
    monkeypatch.setenv("FLOWPLAN_ALERTER_URL", receiver.url)

    @pipeline(settings={"orchestrator": {"isolation": isolation}})
    def alerted(fail: bool = False) -> None:
        alerting(fail)

    ok = alerted()
    with pytest.raises(RunFailedError) as info:
        alerted(fail=True)
    texts = [post[2]["text"] for post in receiver.posts]
    assert texts == [
        f"step `alerting` of pipeline `alerted` (run `{ok.name}`) succeeded.",
        f"step `alerting` of pipeline `alerted` (run `{info.value.run.name}`) failed: "
        "ValueError: bad data",
    ]
