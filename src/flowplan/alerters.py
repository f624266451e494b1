"""Alerters: where ``Client().active_stack.alerter.post(message)`` sends a message.

* ``log`` (the default) logs the message at WARNING on the ``flowplan.alerters`` logger, and
  writes it to stderr unless a logging handler already does;
* ``webhook`` POSTs ``{"text": message}`` as JSON to a URL (a Slack incoming webhook takes it
  as is).  A message that cannot be delivered is logged, never raised: an alert must not
  fail the step that sends it.

Chosen by ``alerter`` / ``alerter-url`` in ``[tool.flowplan]`` or ``FLOWPLAN_ALERTER`` /
``FLOWPLAN_ALERTER_URL`` (see :mod:`flowplan.project`).
"""

from __future__ import annotations

import abc
import base64
import json
import logging
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flowplan.diagnostics import ConfigError
from flowplan.messages import files

if TYPE_CHECKING:
    from flowplan.project import ProjectSettings

logger = logging.getLogger("flowplan.alerters")
logger.addHandler(logging.NullHandler())  # no "last resort" copy: LogAlerter writes stderr
WEBHOOK_TIMEOUT = 5.0
INVALID_URL = "<invalid url>"


class BaseAlerter(abc.ABC):
    flavor: ClassVar[str]

    @abc.abstractmethod
    def post(self, message: str, params: Mapping[str, Any] | None = None) -> bool:
        """Send ``message``; True when it was delivered."""


class LogAlerter(BaseAlerter):
    flavor = "log"

    def post(self, message: str, params: Mapping[str, Any] | None = None) -> bool:
        logger.warning(message)
        if not _logged_to_stderr(logger):
            print(f"[flowplan alert] {message}", file=sys.stderr, flush=True)
        return True

    def __repr__(self) -> str:
        return "LogAlerter()"


class WebhookAlerter(BaseAlerter):
    """POSTs ``{"text": message, **params}`` as JSON; ``params`` may add e.g. Slack ``blocks``."""

    flavor = "webhook"

    def __init__(self, url: str, timeout: float = WEBHOOK_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout

    def post(self, message: str, params: Mapping[str, Any] | None = None) -> bool:
        body = json.dumps({"text": message, **(params or {})}).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "flowplan"}
        try:
            url, authorization = _split_credentials(self.url)
            if authorization:
                headers["Authorization"] = authorization
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:  # HTTPError is a URLError
            # The error may quote the URL: never show its credentials or its path.
            reason = str(exc).replace(self.url, self.where)
            logger.warning("webhook alerter could not deliver to %s: %s", self.where, reason)
            if not _logged_to_stderr(logger):
                print(
                    f"[flowplan alert] webhook {self.where} failed ({reason}); "
                    f"message: {message}",
                    file=sys.stderr,
                    flush=True,
                )
            return False
        return True

    @property
    def where(self) -> str:
        """The URL as it may be shown: see :func:`redacted_url`."""
        return redacted_url(self.url)

    def __repr__(self) -> str:
        return f"WebhookAlerter({self.where}/...)"


def alerter_for(settings: ProjectSettings) -> BaseAlerter:
    if settings.alerter == "webhook":
        if not settings.alerter_url:
            raise ConfigError(
                files.webhook_without_url(str(settings.pyproject) if settings.pyproject else None)
            )
        return WebhookAlerter(settings.alerter_url)
    return LogAlerter()


def _logged_to_stderr(log: logging.Logger) -> bool:
    """Whether a handler of ``log`` or its ancestors already writes WARNINGs to stderr."""
    current: logging.Logger | None = log
    while current is not None:
        for handler in current.handlers:
            stream = getattr(handler, "stream", None)
            if (
                isinstance(handler, logging.StreamHandler)
                and stream in (sys.stderr, sys.__stderr__)
                and handler.level <= logging.WARNING
            ):
                return True
        current = current.parent if current.propagate else None
    return False


def redacted_url(url: str) -> str:
    """``url`` as it may be printed, logged or stored: its scheme, host and port only.  A
    webhook's path is a secret (Slack's carries the token), and so is a ``user:password@``."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number
        return INVALID_URL
    if not parts.scheme or not host:
        return INVALID_URL
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}"


def _split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without ``user:password@``, and the HTTP Basic ``Authorization`` they give."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), f"Basic {token}"
