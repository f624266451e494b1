"""The store under hostile conditions: private files, unusable homes, read-only mounts, a bad
signing key, half-written files of killed processes, secrets in alerter URLs, run names."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowplan import Client, RunFailedError, pipeline, step
from flowplan.alerters import WebhookAlerter, redacted_url
from flowplan.diagnostics import ConfigError, StoreError
from flowplan.executor.naming import run_name
from flowplan.store.local import LocalStore
from tests.executor.test_alerters import Receiver

FLOW = str(Path(sys.executable).with_name("flow"))


class Unpicklable:
    """Stored with cloudpickle (no pydantic schema): needs the signing key."""

    def __init__(self, value: int) -> None:
        self.value = value


@step
def produce() -> int:
    return 41


@step
def pickled() -> Unpicklable:
    return Unpicklable(1)


@pipeline
def small() -> None:
    produce()


@pipeline
def needs_key() -> None:
    pickled()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- private to its owner ------------------------------------------------------------------------
def test_a_new_store_is_private_to_its_owner(isolated_home: Path) -> None:
    small()
    assert mode(isolated_home) == 0o700
    assert mode(isolated_home / "flowplan.db") == 0o600
    files = [p for p in (isolated_home / "artifacts").rglob("*") if p.is_file()]
    assert files and all(mode(p) == 0o600 for p in files)


def test_an_existing_home_keeps_its_mode_and_new_files_are_private(isolated_home: Path) -> None:
    isolated_home.mkdir(mode=0o755)
    os.chmod(isolated_home, 0o755)
    small()
    assert mode(isolated_home) == 0o755
    assert mode(isolated_home / "flowplan.db") == 0o600


# -- homes that cannot hold a store --------------------------------------------------------------
@pytest.mark.parametrize(
    ("home", "words"),
    [
        ("a-file", "is a file, not a folder"),
        ("/dev/null", "is a character device, not a folder"),
        ("/proc/flowplan-home", "cannot be created"),
    ],
)
def test_an_unusable_home_is_one_diagnostic(
    home: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if home == "a-file":
        (tmp_path / home).write_text("not a store")
        home = str(tmp_path / home)
    monkeypatch.setenv("FLOWPLAN_HOME", home)
    with pytest.raises(StoreError) as raised:
        small()
    assert raised.value.diagnostic.code == "FP580" and words in str(raised.value)
    listing = subprocess.run([FLOW, "runs", "list"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 1
    assert "FP580" in listing.stderr and words in listing.stderr
    assert "Traceback" not in listing.stderr


def test_a_signing_key_that_is_a_folder_is_one_diagnostic(isolated_home: Path) -> None:
    (isolated_home / "secret.key").mkdir(parents=True)
    with pytest.raises(RunFailedError) as raised:
        needs_key()
    assert "FP582" in str(raised.value) and "it is a folder" in str(raised.value)


# -- read-only stores ----------------------------------------------------------------------------
def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=10)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")
def test_a_store_on_a_read_only_file_system_can_be_listed_not_written(
    isolated_home: Path, tmp_path: Path
) -> None:
    run = small()
    script = tmp_path / "write.py"
    script.write_text(textwrap.dedent("""
        from flowplan import pipeline, step

        @step
        def again() -> int:
            return 1

        @pipeline
        def more() -> None:
            again()

        more()
    """))
    home = str(isolated_home)
    inside = (
        f"mount --bind -o ro {home} {home} && "
        f"{FLOW} runs list && {sys.executable} {script}"
    )
    result = subprocess.run(["unshare", "-m", "sh", "-c", inside], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "FLOWPLAN_HOME": home})
    assert run.name in result.stdout  # listed from the read-only mount
    assert result.returncode != 0
    assert "FP581" in result.stderr and "is read-only" in result.stderr
    assert len(Client().list_pipeline_runs()) == 1  # nothing was recorded


# -- half-written files of killed processes ------------------------------------------------------
def test_temp_files_of_a_killed_run_are_removed_when_the_run_is_closed(
    isolated_home: Path, tmp_path: Path
) -> None:
    script = tmp_path / "slow.py"
    script.write_text(textwrap.dedent("""
        import time
        from flowplan import pipeline, step

        @step
        def first() -> int:
            return 1

        @step
        def slow(x: int) -> int:
            time.sleep(60)
            return x

        @pipeline
        def hung() -> None:
            slow(first())

        hung()
    """))
    process = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path,
                               env={**os.environ, "FLOWPLAN_HOME": str(isolated_home)})
    try:
        deadline = time.monotonic() + 60
        while not any((isolated_home / "artifacts").glob("*/*")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        folder = next((isolated_home / "artifacts").glob("*/")).resolve()
        # What the killed process would leave mid-write, named the way its writer names it.
        half = folder / f".tmp-0123456789abcdef-{_host_tag()}-{process.pid}-00000000"
        half.write_bytes(b"half an artifact")
        mine = folder / f".tmp-0123456789abcdef-{_host_tag()}-{os.getpid()}-11111111"
        mine.write_bytes(b"still being written")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    runs = Client().list_pipeline_runs()  # reads the store: closes the orphaned run
    assert [r.status.value for r in runs] == ["failed"]
    assert not half.exists()
    assert mine.exists()  # its writer (this process) is alive


def _host_tag() -> str:
    from flowplan.store import artifacts

    return artifacts._HOST_TAG


# -- secrets in alerter URLs ---------------------------------------------------------------------
def test_redacted_url_keeps_scheme_host_and_port_only() -> None:
    assert redacted_url("https://user:pw@hooks.example.com:8443/T0/B0/tok?x=1") == (
        "https://hooks.example.com:8443"
    )
    assert redacted_url("http://[::1]:9/path") == "http://[::1]:9"
    assert redacted_url("no url") == "<invalid url>"
    assert redacted_url("http://host:notaport/") == "<invalid url>"


def test_webhook_credentials_are_sent_as_basic_auth_never_shown() -> None:
    receiver = Receiver()
    try:
        netloc = receiver.url.split("://", 1)[1]
        url = f"http://alice:s3cret%21@{netloc}"
        alerter = WebhookAlerter(url)
        assert "s3cret" not in repr(alerter) and "s3cret" not in alerter.where
        assert alerter.post("hello")
        path, _, body = receiver.posts[-1]
        assert path == "/services/T0/B0/secret" and body == {"text": "hello"}
        expected = "Basic " + base64.b64encode(b"alice:s3cret!").decode()
        assert receiver.authorizations[-1] == expected
    finally:
        receiver.close()


def test_a_failed_delivery_never_prints_or_stores_the_password(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowplan.hooks import alerter_failure_hook

    monkeypatch.setenv("FLOWPLAN_ALERTER", "webhook")
    monkeypatch.setenv("FLOWPLAN_ALERTER_URL", "http://bob:hunter2@127.0.0.1:9/T0/B0/token")

    @step(on_failure=alerter_failure_hook)
    def breaks() -> int:
        raise ValueError("boom")

    @pipeline
    def alerting() -> None:
        breaks()

    with pytest.raises(RunFailedError):
        alerting()
    stored = b"".join(p.read_bytes() for p in isolated_home.rglob("*") if p.is_file())
    assert b"hunter2" not in stored and b"token" not in stored


# -- run names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("substitution", "words"),
    [
        ("a\nb", "control character"),
        ("x" * 100_000, "characters long"),
        ("a/b/../c", "path separator"),
    ],
)
def test_a_run_name_that_cannot_name_a_run_is_refused(substitution: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        run_name("training", "run-{who}", {"who": substitution})
    assert raised.value.diagnostic.code == "FP340" and words in str(raised.value)
    assert len(str(raised.value)) < 1_000  # a long name is shortened in the message


def test_a_bad_run_name_given_at_call_time_records_no_run() -> None:
    with pytest.raises(Exception) as raised:
        small.with_options(run_name="first\nsecond")()
    assert "FP340" in str(raised.value)
    assert Client().list_pipeline_runs() == []


def test_local_store_reports_writability(isolated_home: Path) -> None:
    assert LocalStore.open(isolated_home).writable
