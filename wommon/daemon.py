"""`wommon run`: the long-lived process, with an explicit lifecycle.

start (migrate, load sources) -> schedule the stage jobs -> wait for a signal -> stop taking
work -> wait for in-flight jobs up to the stop timeout -> clean up. A second signal forces the
stop. Per-source intervals live in the Source rows, so the scheduler runs only four jobs
however many feeds there are.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from wommon.pipeline import Pipeline

log = logging.getLogger("wommon")

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


class Daemon:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._stop = threading.Event()
        self._signals = 0
        self.scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)

    def _job(self, name: str, step: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if self.pipeline.stopping.is_set():
                return
            try:
                step()
            except Exception as exc:
                log.error("job failed job=%s error=%s: %s", name, exc.__class__.__name__, exc)

        return run

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("second signal: stopping now")
            raise SystemExit(1)
        log.info("stopping signal=%s", signal.Signals(signum).name)
        self.request_stop()

    def request_stop(self) -> None:
        self.pipeline.stopping.set()
        self._stop.set()

    def serve(self, *, install_signals: bool = True) -> bool:
        """Run until asked to stop; True if every job finished within the stop timeout."""
        p = self.pipeline
        d = p.settings.daemon
        p.prepare()
        if install_signals:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        jobs = [
            ("collect", p.collect, d.collect_every_seconds),
            ("analyze", p.analyze, d.analyze_every_seconds),
            ("detect", p.detect, d.detect_every_seconds),
            ("deliver", p.deliver, d.deliver_every_seconds),
        ]
        for name, step, every in jobs:
            self.scheduler.add_job(
                self._job(name, step),
                "interval",
                seconds=every,
                id=name,
                next_run_time=p.clock.now(),
            )
        self.scheduler.start()
        log.info("started sources=%d brands=%d", len(p.settings.sources), len(p.settings.brands))
        try:
            self._stop.wait()
        finally:
            clean = self._shutdown(d.stop_timeout_seconds)
        return clean

    def _shutdown(self, timeout: float) -> bool:
        self.pipeline.stopping.set()
        waiter = threading.Thread(
            target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True
        )
        waiter.start()
        waiter.join(timeout)
        clean = not waiter.is_alive()
        if not clean:
            log.warning("stop timeout reached after %.0f s: abandoning in-flight work", timeout)
        self.pipeline.close()
        log.info("stopped")
        return clean
