"""sd_notify without a dependency: a datagram to $NOTIFY_SOCKET, silent outside systemd.

systemd's protocol is a few lines of text on a Unix datagram socket; an abstract socket is
spelled with a leading "@" in the variable and a NUL byte on the wire. The unmaintained
`sdnotify` package adds nothing to that.
"""

from __future__ import annotations

import os
import socket


class SystemdNotifier:
    def __init__(self, address: str | None = None) -> None:
        self._address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def send(self, *lines: str) -> bool:
        """Send `KEY=value` lines; False (and no error) when not under systemd."""
        if not self._address:
            return False
        target = "\0" + self._address[1:] if self._address.startswith("@") else self._address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto("\n".join(lines).encode(), target)
        except OSError:
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self, status: str = "stopping") -> bool:
        return self.send("STOPPING=1", f"STATUS={status}")

    def reloading(self, monotonic_usec: int) -> bool:
        return self.send(
            "RELOADING=1", f"MONOTONIC_USEC={monotonic_usec}", "STATUS=reloading config"
        )


def watchdog_interval() -> float | None:
    """Half the watchdog timeout systemd set for us ($WATCHDOG_USEC), in seconds, or None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
