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
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": "flowplan"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:  # HTTPError is a URLError
            logger.warning("webhook alerter could not deliver to %s: %s", self.where, exc)
            if not _logged_to_stderr(logger):
                print(
                    f"[flowplan alert] webhook {self.where} failed ({exc}); message: {message}",
                    file=sys.stderr,
                    flush=True,
                )
            return False
        return True

    @property
    def where(self) -> str:
        """The URL without its path: webhook paths are secrets."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "<invalid url>"

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
