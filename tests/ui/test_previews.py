"""Logs and artifact previews clipped, secrets hidden: what the dashboard shows of user data."""

from __future__ import annotations

import json
from pathlib import Path

from flowplan.store.local import LocalStore
from flowplan.ui.previews import (
    HIDDEN,
    clip_log,
    download_name,
    preview_artifact,
    redact,
    redact_url,
)


class Box:
    """A value that only cloudpickle stores."""

    def __init__(self) -> None:
        self.inside = lambda: 1


def test_long_logs_keep_their_end() -> None:
    text = "".join(f"line {i}\n" for i in range(20_000))
    clipped = clip_log(text, limit=1000)
    assert clipped.truncated and clipped.size == len(text) and len(clipped.text) == 1000
    assert clipped.text.endswith("line 19999\n")
    assert clip_log(None) == clip_log("")
    assert not clip_log("short").truncated


def test_previews_read_stored_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "home")
    cases = {
        "json": {"a": [1, 2], "b": "<i>x</i>"},
        "text": "hello <script>",
        "long": "y" * 50_000,
        "binary": b"\x00\xff\x10",
        "pickle": Box(),  # not JSON: stored with cloudpickle
    }
    shown = {}
    for name, value in cases.items():
        record, _ = store.write_artifact(name, value)
        shown[name] = preview_artifact(store, record, limit=1000)
    assert shown["json"].kind == "json" and json.loads(shown["json"].text) == cases["json"]
    assert (shown["text"].kind, shown["text"].text) == ("text", "hello <script>")
    assert shown["long"].truncated and len(shown["long"].text) == 1000
    assert shown["long"].size == 50_002  # the JSON string, quotes included
    assert shown["binary"].kind == "binary" and "3 bytes" in shown["binary"].text
    assert shown["pickle"].kind == "pickle" and "Box" in shown["pickle"].text
    assert download_name(store.metadata.get_artifact_by_name("json")) == "json-v1.json"
    store.close()


def test_a_missing_artifact_file_is_described_not_raised(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "home")
    record, _ = store.write_artifact("gone", [1])
    Path(record.uri).unlink()
    assert preview_artifact(store, record).kind == "missing"
    store.close()


def test_secrets_are_hidden() -> None:
    slack = "https://hooks.slack.com/services/T0/B0/abcdefSECRET"
    assert redact_url(slack) == "https://hooks.slack.com/•••• (hidden)"
    assert redact_url("https://user:pw@host:notaport/x") == HIDDEN  # no crash on a bad port
    value = {
        "alerter_url": slack,
        "api_key": "sk-123",
        "nested": [{"password": "hunter2", "lr": 0.1}],
        "db": "postgresql://user:pw@db.internal:5432/ml",
        "name": "plain",
        "token": None,
    }
    shown = redact(value)
    assert "SECRET" not in json.dumps(shown) and "hunter2" not in json.dumps(shown)
    assert shown["api_key"] == HIDDEN and shown["nested"][0] == {"password": HIDDEN, "lr": 0.1}
    assert shown["db"] == "postgresql://db.internal:5432/ml"
    assert (shown["name"], shown["token"]) == ("plain", None)
