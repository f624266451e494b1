"""``flow ui``: serve the dashboard over the store with uvicorn.

The web stack is the optional ``ui`` extra; without it, ``flow ui`` says which install
command is missing (``FP570``) instead of failing on an import.  The socket is bound here,
before uvicorn starts, so that a taken port is a diagnostic (``FP571``) and ``--port 0``
can print the port the system chose.
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowplan.diagnostics import FlowplanError
from flowplan.messages import runtime

UI_MODULES = ("starlette", "uvicorn", "jinja2")


def missing_modules() -> list[str]:
    """The packages of the ``ui`` extra that cannot be imported here."""
    return [name for name in UI_MODULES if importlib.util.find_spec(name) is None]


def require_ui_extra() -> None:
    missing = missing_modules()
    if missing:
        raise FlowplanError(runtime.ui_not_installed(missing))


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``FP571`` when it cannot be had)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise _unavailable(host, port, exc) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _unavailable(host, port, exc) from None
    sock.set_inheritable(True)
    return sock


def _unavailable(host: str, port: int, exc: OSError) -> FlowplanError:
    return FlowplanError(runtime.ui_port_unavailable(host, port, str(exc.strerror or exc)))


def stack_facts(home: Path) -> dict[str, Any]:
    """What the dashboard says about the active stack (the page redacts URLs)."""
    from flowplan.stack import active_stack

    stack = active_stack(home=home)
    return {
        "home": str(stack.home),
        "orchestrator": stack.orchestrator,
        "alerter": stack.alerter.flavor,
        "alerter_url": stack.settings.alerter_url,
        "dask_address": stack.settings.dask_address,
        "artifact_url": stack.settings.artifact_url,
    }


def serve(
    host: str, port: int, home: Path | None = None, echo: Callable[[str], Any] = print
) -> None:
    """Serve the dashboard until interrupted; ``echo`` receives the address line."""
    require_ui_extra()
    import uvicorn

    from flowplan.store.local import LocalStore
    from flowplan.ui.app import create_app

    store = LocalStore.open(home)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    app = create_app(store, stack_facts(store.home))
    echo(f"flowplan dashboard: http://{shown}:{bound}/  (store {store.home}; Ctrl+C stops it)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        store.close()
