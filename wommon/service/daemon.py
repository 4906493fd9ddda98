"""`wommon run`: the long-lived process, with an explicit lifecycle.

prepare (migrate, load sources) -> schedule the stage jobs -> READY=1 -> main loop (reload on
SIGHUP, watchdog, status) -> on SIGTERM: STOPPING=1, no new work, wait for in-flight jobs up
to the stop timeout -> clean up. A second signal forces the stop.

The main loop sends WATCHDOG=1 only while every job is making progress: a job running past
`job_timeout_seconds` stops the pings, and systemd restarts the service (R35). Per-source
intervals live in the Source rows, so the scheduler runs four jobs however many feeds there
are. A stage that made work for the next wakes it at once (handoff.py).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from wommon import defaults, logs
from wommon.alert.socketmode import ButtonListener
from wommon.config import Settings, web_token
from wommon.errors import StorageError, WommonError
from wommon.service.app import Pipeline
from wommon.service.handoff import AFTER_STORING, woken_by
from wommon.service.health import HealthServer
from wommon.service.jobs import JobBook, describe_error, job_problems, to_json
from wommon.service.status import snapshot
from wommon.service.systemd import SystemdNotifier, watchdog_interval
from wommon.service.wakeup import Wakeup
from wommon.store import wakes
from wommon.store.db import redact
from wommon.wording import plural

if TYPE_CHECKING:
    from wommon.web.server import WebServer

log = logs.events("wommon")

# Missed runs after a suspend collapse into one (R36); a job never overlaps itself.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


def _not_a_skipped_run(record: logging.LogRecord) -> bool:
    """APScheduler warns of every run it skips because the last one still runs. Here that
    is by design, not trouble: a stage never overlaps itself, and the run under way does
    the work (a stage woken while it runs runs again when it ends). A cold start's long
    collect run would otherwise warn at every period; the daemon logs it as a debug
    event instead."""
    return "maximum number of running instances reached" not in record.getMessage()


class Daemon:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        reload_config: Callable[[], Settings] | None = None,
        systemd: SystemdNotifier | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.systemd = systemd or SystemdNotifier()
        self._reload_config = reload_config
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._wakeup: Wakeup | None = None
        self._signals = 0
        self._running: dict[str, float] = {}
        # Stages woken while they ran (handoff.py): they run again as soon as they end.
        self._again: set[str] = set()
        pipeline.on_stored = partial(self._hand_off, AFTER_STORING)
        # The other daemons on the same PostgreSQL hear of each hand-off (store/wakes.py).
        self._peers = (
            wakes.Listener(pipeline.engine, pipeline.owner, self._wake)
            if wakes.shared(pipeline.engine)
            else None
        )
        self._lock = threading.Lock()
        self.scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
        logging.getLogger("apscheduler.scheduler").addFilter(_not_a_skipped_run)
        self.scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        self.jobs = JobBook()
        self.health: HealthServer | None = None
        self.web: WebServer | None = None
        self.buttons: ButtonListener | None = None

    def _job(self, name: str, step: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            while not self.pipeline.stopping.is_set():
                started = time.monotonic()
                with self._lock:
                    self._running[name] = started
                    self._again.discard(name)
                result = self._step(name, step, started)
                for woken in woken_by(name, result):
                    self._hand_off(woken)
                with self._lock:
                    # Woken while it ran: what woke it may have come too late for it.
                    if name not in self._again:
                        self._running.pop(name, None)
                        return
            with self._lock:
                self._running.pop(name, None)

        return run

    def _skipped(self, event: JobSubmissionEvent) -> None:
        log.debug("run_skipped", job=event.job_id, reason="still_running")

    def _step(self, name: str, step: Callable[[], Any], started: float) -> Any:
        """One run of a stage, its failure recorded rather than raised; its result, or
        None when it failed."""
        try:
            result = step()
        except Exception as exc:
            error = describe_error(exc, redact(self.pipeline.settings.storage.url))
            self.jobs.failed(name, self.pipeline.clock.now(), error)
            log.error("job_failed", job=name, error=error)
            if self.pipeline.metrics:
                self.pipeline.metrics.job_failures.labels(name).inc()
            return None
        else:
            self.jobs.ok(name, self.pipeline.clock.now())
            return result
        finally:
            if self.pipeline.metrics:
                self.pipeline.metrics.job_seconds.labels(name).observe(time.monotonic() - started)

    def _hand_off(self, name: str) -> None:
        """Stage `name` has work this process made: wake it here, and in the other daemons
        sharing the database (they take their share of it at once, not at their period)."""
        self._wake(name)
        if self._peers is not None:
            try:
                wakes.tell(self.pipeline.engine, name, self.pipeline.owner)
            except StorageError as exc:
                log.warning("peer_wake_not_sent", job=name, error=exc.reason)

    def _wake(self, name: str) -> None:
        """Run stage `name` now (handoff.py): again at once if it is running, else on the
        scheduler's next turn (which keeps real time)."""
        with self._lock:
            if name in self._running:
                self._again.add(name)
                return
        if self.pipeline.stopping.is_set():
            return
        try:
            self.scheduler.modify_job(name, next_run_time=datetime.now(UTC))
        except JobLookupError:
            return  # not scheduled (a reload is replacing the jobs): its period comes round

    def problems(self) -> list[str]:
        """Jobs that keep failing, named with their error (for /healthz)."""
        d = self.pipeline.settings.daemon
        return job_problems(
            self.jobs.snapshot(),
            self.pipeline.clock.now(),
            self.pipeline.started_at,
            max_failures=d.unhealthy_after_failures,
            max_silence=timedelta(seconds=d.unhealthy_after_seconds),
        )

    def alive(self) -> bool:
        """The scheduler runs and no job has been running longer than the job timeout."""
        limit = self.pipeline.settings.daemon.job_timeout_seconds
        now = time.monotonic()
        with self._lock:
            hung = [name for name, started in self._running.items() if now - started > limit]
        if hung:
            log.error("job_hung", jobs=",".join(hung), limit=f"{limit:g}s")
        return self.scheduler.running and not hung

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            self.request_reload()
            return
        self._signals += 1
        if self._signals > 1:
            log.warning("second_signal", action="stopping now")
            raise SystemExit(1)
        log.info("stopping", signal=signal.Signals(signum).name)
        self.request_stop()

    def request_stop(self) -> None:
        self.pipeline.stopping.set()
        self._stop.set()
        self._ring()

    def request_reload(self) -> None:
        self._reload.set()
        self._ring()

    def _ring(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None:
            wakeup.ring()

    def serve(self, *, install_signals: bool = True) -> bool:
        """Run until asked to stop; True if every job finished within the stop timeout.
        Raises WommonError before READY=1 when the database or config is unusable."""
        p = self.pipeline
        self.systemd.status("migrating the database")
        p.prepare()
        self._wakeup = wakeup = Wakeup()
        previous: dict[signal.Signals, Any] = {}
        if install_signals:
            wakeup.install()
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            return self._serve(wakeup)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._wakeup = None
            wakeup.close()

    def _serve(self, wakeup: Wakeup) -> bool:
        p = self.pipeline
        self._schedule(p.settings)
        listen = p.settings.daemon.health_listen
        if listen and p.metrics:
            p.metrics.watch_database(lambda: snapshot(p.engine, p.clock.now()))
            self.health = HealthServer(
                listen,
                p.metrics,
                lambda: snapshot(p.engine, p.clock.now()),
                self.alive,
                self.problems,
            )
            self.health.start()
        if p.settings.web.listen:
            self.web = self._web(p.settings.web.listen)
            self.web.start()
        self.scheduler.start()
        if self._peers is not None:
            self._peers.start()
        self.buttons = p.buttons()
        if self.buttons:
            self.buttons.start()
        log.info("started", sources=len(p.settings.sources), brands=len(p.settings.brands))
        self.systemd.ready(self._status_line())
        try:
            self._main_loop(wakeup)
        finally:
            self.systemd.stopping()
            clean = self._shutdown(p.settings.daemon.stop_timeout_seconds)
        return clean

    def _web(self, listen: str) -> WebServer:
        """The read-only web UI (imported only when asked for: it brings Flask and
        matplotlib). A missing token beyond loopback stops the start, before READY."""
        from wommon.web.app import create_app
        from wommon.web.server import WebServer

        p = self.pipeline
        token = web_token(p.settings)
        if token:
            logs.REDACT.add(token)
        public = p.settings.web.public_url
        return WebServer(
            listen,
            create_app(p.engine, p.settings, p.clock, token=token),
            prefix=urlsplit(public).path.rstrip("/") if public else "",
        )

    def _schedule(self, settings: Settings) -> None:
        d = settings.daemon
        p = self.pipeline
        jobs = [
            ("collect", p.collect, d.collect_every_seconds),
            ("analyze", p.analyze, d.analyze_every_seconds),
            ("detect", p.detect, d.detect_every_seconds),
            ("deliver", p.deliver, d.deliver_every_seconds),
            ("heartbeat", lambda: p.heartbeat(to_json(self.jobs.snapshot())), d.heartbeat_seconds),
        ]
        for name, step, every in jobs:
            self.scheduler.add_job(
                self._job(name, step),
                "interval",
                seconds=every,
                id=name,
                next_run_time=p.clock.now(),
                replace_existing=True,
            )
        if settings.slack.daily_digest:
            hour, minute = settings.slack.daily_digest.split(":")
            self.scheduler.add_job(
                self._job("digest", p.queue_daily_digest),
                "cron",
                hour=int(hour),
                minute=int(minute),
                timezone=ZoneInfo(settings.slack.timezone),
                id="digest",
                replace_existing=True,
            )
        elif self.scheduler.get_job("digest"):
            self.scheduler.remove_job("digest")

    def _main_loop(self, wakeup: Wakeup) -> None:
        interval = watchdog_interval()
        tick = min(interval, defaults.MAIN_LOOP_SECONDS) if interval else defaults.MAIN_LOOP_SECONDS
        last_status = ""
        while not self._stop.is_set():
            wakeup.wait(tick)
            if self._stop.is_set():
                break
            if self._reload.is_set():
                self._reload.clear()
                self._do_reload()
            if self.alive():
                self.systemd.watchdog()
            status = self._status_line()
            if status != last_status:
                self.systemd.status(status)
                last_status = status

    def _do_reload(self) -> None:
        if self._reload_config is None:
            return
        self.systemd.reloading(time.monotonic_ns() // 1000)
        try:
            settings = self._reload_config()
            self.pipeline.reload(settings)
            self._schedule(settings)
        except WommonError as exc:
            log.error("reload_rejected", error=exc, action="keeping the running config")
        else:
            log.info("reloaded", sources=len(settings.sources), brands=len(settings.brands))
        self.systemd.send("READY=1", f"STATUS={self._status_line()}")

    def _status_line(self) -> str:
        p = self.pipeline
        with self._lock:
            busy = ", ".join(sorted(self._running)) or "idle"
        sources, brands = len(p.settings.sources), len(p.settings.brands)
        return f"watching {plural(sources, 'source')} for {plural(brands, 'brand')}; {busy}"

    def _shutdown(self, timeout: float) -> bool:
        self.pipeline.stopping.set()
        if self.health:
            self.health.stop()
        if self.web:
            self.web.stop()
        if self.buttons:
            self.buttons.stop()
        if self._peers is not None:
            self._peers.stop()
        waiter = threading.Thread(
            target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True
        )
        waiter.start()
        waiter.join(timeout)
        clean = not waiter.is_alive()
        if not clean:
            log.warning("stop_timeout", seconds=timeout, action="abandoning in-flight work")
        self.pipeline.close()
        log.info("stopped")
        return clean
