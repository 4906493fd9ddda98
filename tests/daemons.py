"""The real `wommon run` as a subprocess, for the lifecycle tests and benchmarks."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


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
    """Start the daemon and SIGKILL it after a random delay, `times` times."""
    for _ in range(times):
        proc = start_daemon(config, env)
        time.sleep(rng.uniform(*between))
        proc.kill()
        proc.wait(10)
        after_each()
