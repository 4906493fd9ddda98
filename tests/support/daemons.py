"""The real `wommon run` as a subprocess, for the lifecycle tests and benchmarks."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path


class NotifySocket:
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET; a reader thread stamps
    each message with its arrival time."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))

    def close(self) -> None:
        self._closed.set()
        self._reader.join(1)
        self.sock.close()

    def drain(self) -> list[str]:
        return [m for _, m in list(self.messages)]

    def wait_for(self, needle: str, timeout: float = 10, after: float = 0.0) -> bool:
        return until(
            lambda: any(needle in m for t, m in list(self.messages) if t >= after), timeout
        )


def until(condition: Callable[[], bool], timeout: float) -> bool:
    """Whether `condition` came true within `timeout` seconds: a readiness signal polled
    (a daemon's message, a row, a metric), never a fixed delay."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def daemon_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would point wommon at Slack or systemd."""
    prefixes = ("SLACK_", "WOMMON_", "NOTIFY_", "WATCHDOG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(extra)
    return env


def start_daemon(
    config: Path, env: dict[str, str], *, capture: bool = False
) -> subprocess.Popen[str]:
    """`wommon run CONFIG`; with `capture`, its stderr is kept for the test to read."""
    return subprocess.Popen(
        [sys.executable, "-m", "wommon", "run", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )


def kill_at_random(
    config: Path,
    env: dict[str, str],
    rng: random.Random,
    times: int,
    between: tuple[float, float],
    after_each: Callable[[], None] = lambda: None,
) -> None:
    """Start the daemon, wait for its READY=1, and SIGKILL it a random time after,
    `times` times (a loaded machine can take seconds to start; the kill lands in the work,
    not in the start-up)."""
    for _ in range(times):
        with tempfile.TemporaryDirectory() as folder:
            notify = NotifySocket(Path(folder) / "notify.sock")
            try:
                proc = start_daemon(config, {**env, "NOTIFY_SOCKET": notify.path})
                if not notify.wait_for("READY=1", timeout=120):
                    proc.kill()
                    raise AssertionError("the daemon never said READY=1")
                # After readiness: a random moment of its work is the point of the kill.
                time.sleep(rng.uniform(*between))  # readiness seen; the delay is the test
                proc.kill()
                proc.wait(10)
            finally:
                notify.close()
        after_each()
