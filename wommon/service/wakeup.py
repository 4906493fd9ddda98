"""The main loop's sleep, ended at once by a signal whichever thread the kernel hands it to.

Python runs signal handlers in the main thread only. The kernel delivers a signal sent to
the process to any thread that does not block it, and a daemon has many (the scheduler, its
jobs, the fetchers, the health server). A SIGTERM that lands on one of them only sets a flag:
a main thread asleep in `Event.wait` sleeps on until its timeout, and the stop comes a
main-loop tick late. With `signal.set_wakeup_fd`, Python's own C handler writes a byte to a
socket whichever thread it runs in; the main loop sleeps in `select` on that socket, so it
wakes, and Python runs the handler before `select` returns.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket


class Wakeup:
    """A sleep that `ring()` (any thread) or a signal (once `install`ed) ends early."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd: int | None = None

    def install(self) -> None:
        """Have signals ring it; main thread only (as for `signal.signal`)."""
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)

    def ring(self) -> None:
        # A buffer full of earlier rings wakes the sleeper anyway; a closed socket has none.
        with contextlib.suppress(OSError):
            self._writer.send(b"\0")

    def wait(self, timeout: float) -> None:
        """Sleep until rung or `timeout` seconds; rings before the call end it at once."""
        readable, _, _ = select.select([self._reader], [], [], timeout)
        if readable:
            self._drain()

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._reader.recv(4096):
                pass

    def close(self) -> None:
        """Give signals back to the previous wake-up fd, then close the sockets."""
        if self._previous_fd is not None:
            signal.set_wakeup_fd(self._previous_fd)
            self._previous_fd = None
        self._reader.close()
        self._writer.close()
