"""Runs in several threads install and remove the capturing proxies of stdout/stderr while
other threads print: a proxy must outlive every print that may still hold it."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref

import pytest

from flowplan.executor.capture import capture_step, capturing_run


def test_a_removed_proxy_stays_alive_and_is_reused() -> None:
    with capturing_run():
        proxy = sys.stdout
    assert sys.stdout is not proxy
    alive = weakref.ref(proxy)
    del proxy
    gc.collect()
    assert alive() is not None  # a print() in another thread may still be writing to it
    with capturing_run():
        assert sys.stdout is alive()


def test_printing_while_other_threads_swap_the_streams() -> None:
    script = textwrap.dedent(
        """
        import sys, threading
        from flowplan.executor.capture import capturing_run

        done = False

        def printer():
            while not done:
                print("x" * 40)

        def swapper():
            for _ in range(30_000):
                with capturing_run():
                    pass

        threads = [threading.Thread(target=printer), threading.Thread(target=swapper)]
        for thread in threads:
            thread.start()
        threads[1].join()
        done = True
        threads[0].join()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Error" not in done.stderr


def test_a_step_capture_keeps_what_it_printed_and_ends_its_unfinished_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with capturing_run():
        with capture_step() as silent:
            pass
        with capture_step() as step:
            print("first line")
            print("half", end="")
            print(" a line", end="")
            print("oops", end="", file=sys.stderr)
        print("outside")
    assert silent.texts() == ("", "") and silent.buffers is None  # nothing made for it
    assert step.texts() == ("first line\nhalf a line", "oops")
    out, err = capsys.readouterr()
    assert out == "first line\nhalf a line\noutside\n" and err == "oops\n"
