"""The live view of a run on a terminal, drawn with rich (imported only here, and only when the
progress stream is a terminal: quiet runs and runs whose output goes to a file never load it).

Permanent lines -- what steps print, failures, warnings -- are printed whole above one status
line, which rich redraws in place and crops to the terminal's width.  ``NO_COLOR`` is honoured
by rich's console.
"""

from __future__ import annotations

import threading
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text


class LiveView:
    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream, highlight=False, soft_wrap=False)
        self.live = Live(
            Text(""),
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.lock = threading.RLock()
        self.stopped = False

    def start(self) -> None:
        with self.lock:
            self.live.start()

    def status(self, text: str) -> None:
        """Replace the status line (cropped to the width, with an ellipsis)."""
        with self.lock:
            if not self.stopped:
                self.live.update(Text(text, no_wrap=True, overflow="ellipsis"), refresh=True)

    def line(self, text: str, style: str = "") -> None:
        """Print ``text`` (one or more lines) above the status line, exactly as written."""
        with self.lock:
            self.console.print(Text(text, style=style), soft_wrap=True)

    def stop(self) -> None:
        """Remove the status line; later lines are printed plainly."""
        with self.lock:
            if not self.stopped:
                self.stopped = True
                self.live.stop()
