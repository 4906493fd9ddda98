"""The four stages wired together over one database, one clock and one notifier.

The daemon runs each step as a scheduler job; `wommon demo` and the tests call `run_once` on
a simulated clock. Both go through the same functions, so what is tested is what runs.
"""

from __future__ import annotations

import os
import random
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from wommon import defaults, logs
from wommon.alert.digest import enqueue_digest
from wommon.alert.factory import default_notifier, delivery_digest
from wommon.alert.notifier import Notifier
from wommon.alert.outbox import DeliveryReport, Routing, deliver_due, retry_failed
from wommon.alert.outbox import release as release_outbox
from wommon.alert.pacer import Pacer, Pacing, SharedPacer
from wommon.alert.slack import SlackNotifier
from wommon.alert.socketmode import ButtonListener
from wommon.analyze.analyzer import Analyzer
from wommon.analyze.step import analyze_pending
from wommon.clock import Clock
from wommon.collect.claims import release_owned
from wommon.collect.http import FetchLimits, new_session
from wommon.collect.parsers import ParserPool, default_processes
from wommon.collect.parsers.xmlfeed import expat_warning
from wommon.collect.poller import CollectReport, Outcome, collect_due
from wommon.collect.sources import sync_sources
from wommon.config import Settings, slack_target
from wommon.detect.detector import DetectReport, detect_pending
from wommon.detect.warm import WarmStories
from wommon.errors import ConfigError, StorageError
from wommon.service.metrics import Metrics
from wommon.store import heartbeat
from wommon.store.db import check_integrity, make_engine, reading, redact, transaction, upgrade
from wommon.store.locks import wait_at_most
from wommon.store.models import Outbox, Source

log = logs.events("wommon")


def dead_owners(engine: Engine, host: str) -> list[str]:
    """Claim owners on this host whose process is gone (killed, crashed): their leases can
    be taken over now rather than after they expire."""
    with reading(engine) as session:
        owners = set(
            session.exec(select(Source.lease_owner).where(col(Source.lease_owner).is_not(None)))
        )
        owners |= set(
            session.exec(select(Outbox.lease_owner).where(col(Outbox.lease_owner).is_not(None)))
        )
    return sorted(owner for owner in owners if owner and process_gone(owner, host))


def process_gone(owner: str, host: str) -> bool:
    """Whether `owner` ("host:pid") is a process of this host that no longer exists. Only
    then is a silent daemon surely dead rather than stalled."""
    name, _, pid = owner.rpartition(":")
    return name == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class CycleReport:
    collected: CollectReport
    analyzed: int
    detected: DetectReport
    delivered: DeliveryReport


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        notifier: Notifier | None = None,
        engine: Engine | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.clock = clock
        self.engine = engine or make_engine(settings.storage.url)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = clock.now()
        self.stopping = threading.Event()
        self.metrics = metrics
        # Told after each fetch that stored new mentions (the daemon wakes analysis).
        self.on_stored: Callable[[], None] | None = None
        self._beaten = False  # a first beat writes the row; a later one finds it
        self._fixed_notifier = notifier
        self._pool = ThreadPoolExecutor(settings.collect.workers, thread_name_prefix="wommon-fetch")
        processes = settings.collect.parse_processes
        self._parser = ParserPool(
            default_processes() if processes is None else processes,
            settings.collect.timeout_seconds,
            # A raised body cap must not make every large feed a memory refusal.
            max(defaults.PARSE_MEMORY_BYTES, 100 * settings.collect.max_bytes),
        )
        self._rng = rng or random.Random()
        self._configure(settings)

    def _configure(self, settings: Settings) -> None:
        """Everything derived from the settings; replaced whole on reload."""
        # First: a model file that cannot be read rejects the settings before any is applied.
        analyzer = Analyzer.for_brands(settings.brands, settings.detect, settings.analyze)
        self._limits = FetchLimits.from_settings(settings.collect)
        self._http = new_session(self._limits)
        self._analyzer = analyzer
        # Detection's grouping index, kept warm between runs (detect/warm.py).
        self._stories = WarmStories()
        target = slack_target(settings)
        self.notifier = self._fixed_notifier or default_notifier(settings, target)
        self.routing = Routing(
            default_channel=target.channel if target else (settings.slack.channel or "console"),
            slack=settings.slack,
        )
        rate = settings.slack.messages_per_second
        self._pacer: Pacing = (
            SharedPacer(self.engine, rate)
            if self.engine.dialect.name == "postgresql"
            else Pacer(rate)
        )
        self.target = delivery_digest(settings, target)
        self.settings = settings
        self._buttons_token = target.app_token if target else None

    def buttons(self) -> ButtonListener | None:
        """The Socket Mode listener for the alert buttons, when an app token is set."""
        if not self._buttons_token or not isinstance(self.notifier, SlackNotifier):
            return None
        return ButtonListener(
            self._buttons_token,
            self.notifier.client,
            self.engine,
            self.clock.now,
            self.settings.detect.window_hours,
        )

    def queue_daily_digest(self) -> bool:
        """Queue today's digest of open incidents (once per local day)."""
        now = self.clock.now()
        day = now.astimezone(ZoneInfo(self.settings.slack.timezone)).date()
        with transaction(self.engine) as session:
            return enqueue_digest(session, "daily", f"digest-daily-{day.isoformat()}", now, now)

    def reload(self, settings: Settings) -> None:
        """Apply a new config to a running pipeline: sources added, changed or removed,
        brands, thresholds and Slack target; the database cannot change under it."""
        if settings.storage.url != self.settings.storage.url:
            raise ConfigError(
                "storage.url cannot change while running: restart wommon to switch databases"
            )
        self._sync(settings)
        self._configure(settings)
        self._retry_changed()

    def _sync(self, settings: Settings) -> None:
        try:
            with transaction(self.engine) as session:
                sync_sources(session, settings.sources, self.clock.now())
        except StorageError as exc:
            raise StorageError(
                f"{redact(settings.storage.url)}: the configured sources could not be stored: "
                f"{exc.reason}"
            ) from None

    def prepare(self) -> None:
        """Migrate the schema and load the configured sources: run before any job."""
        warning = expat_warning()
        if warning:
            log.warning("xml_parser_warning", warning=warning)
        check_integrity(self.engine)
        upgrade(self.engine)
        self._sync(self.settings)
        self._retry_changed()
        # A heartbeat before the first claim: a daemon that dies at once is still known,
        # and its claims are taken over when the row goes stale.
        self.heartbeat("{}")
        for owner in dead_owners(self.engine, socket.gethostname()):
            log.info("claims_taken_over", owner=owner, reason="its process is gone")
            self._take_over(owner, gone=True)

    def _retry_changed(self) -> None:
        """Alerts that failed for good under another Slack setup get another chance."""
        retried = retry_failed(self.engine, self.clock.now(), changed_from=self.target)
        if retried:
            log.info("alerts_retried", reason="delivery settings changed", count=len(retried))

    def heartbeat(self, jobs: str) -> list[str]:
        """Say this daemon is alive (with how its jobs fare), and give back the claims of
        every daemon whose heartbeat went stale: dead, or frozen past its leases. Returns
        the owners whose claims were released."""
        now = self.clock.now()
        misses = defaults.HEARTBEAT_MISSES * self.settings.daemon.heartbeat_seconds
        host = socket.gethostname()
        with transaction(self.engine) as session:
            known = heartbeat.beat(
                session, self.owner, host, os.getpid(), self.started_at, now, jobs
            )
        if not known and self._beaten:
            # Another daemon took this one for dead: its claims were given away.
            log.warning("claims_lost", owner=self.owner, reason="heartbeat_went_stale")
        self._beaten = True
        with reading(self.engine) as session:
            silent = heartbeat.stale(session, now, timedelta(seconds=misses), self.owner)
        for owner in silent:
            log.warning("daemon_silent", owner=owner, action="releasing its claims")
        return [o for o in silent if self._take_over(o, gone=process_gone(o, host))]

    def _take_over(self, owner: str, *, gone: bool) -> bool:
        """Give back what `owner` holds (sources, host slots, deliveries) and forget its
        heartbeat, in one transaction that waits only briefly for rows it still locks. A
        frozen peer's open transaction is ended by the server (IDLE_TRANSACTION_SECONDS);
        until then the take-over is postponed to the next beat. Unless its process is
        `gone`, a fetch it started may still be running: its host slots stay busy for one
        fetch timeout."""
        now = self.clock.now()
        in_flight = None if gone else now + timedelta(seconds=self._limits.timeout_seconds)
        try:
            with transaction(self.engine) as session:
                wait_at_most(session, defaults.TAKEOVER_LOCK_WAIT_MS)
                release_owned(session, owner, now, in_flight)
                release_outbox(session, owner)
                heartbeat.forget(session, [owner])
        except StorageError as exc:
            log.warning("takeover_postponed", owner=owner, error=exc.reason)
            return False
        return True

    def collect(self) -> CollectReport:
        report = collect_due(
            self.engine,
            self.clock.now(),
            owner=self.owner,
            http=self._http,
            limits=self._limits,
            pool=self._pool,
            max_per_host=self.settings.collect.max_per_host,
            workers=self.settings.collect.workers,
            clock=self.clock.now,
            renew_every=self.settings.daemon.heartbeat_seconds,
            rng=self._rng,
            stop=self.stopping,
            on_outcome=self._on_outcome,
            parser=self._parser,
        )
        if report.polled:
            log.info(
                "collected",
                polled=report.polled,
                failed=report.failed,
                new_mentions=report.new_mentions,
            )
        return report

    def analyze(self) -> int:
        total = 0
        while not self.stopping.is_set():
            done = analyze_pending(self.engine, self._analyzer, self.clock.now())
            total += done
            if done == 0:
                break
        if total:
            log.info("analyzed", mentions=total)
        return total

    def _detect_once(self, limit: int) -> DetectReport:
        s = self.settings
        return detect_pending(
            self.engine, s.detect, s.brands, self.clock.now(), limit, stories=self._stories
        )

    def detect(self) -> DetectReport:
        s = self.settings
        limit = s.detect.batch_mentions
        report = batch = self._detect_once(limit)
        while batch.full and not self.stopping.is_set():
            # A backlog (a cold start, a burst) drains now, not one batch a period.
            batch = self._detect_once(limit)
            report = replace(report + batch, full=batch.full)
        if report.incidents_opened or report.alerts_queued:
            log.info(
                "detected",
                mentions=report.mentions,
                incidents_opened=report.incidents_opened,
                alerts_queued=report.alerts_queued,
            )
        return report

    def deliver(self) -> DeliveryReport:
        report = deliver_due(
            self.engine,
            self.notifier,
            self.clock.now(),
            owner=self.owner,
            routing=self.routing,
            pacer=self._pacer,
            target=self.target,
            stop=self.stopping,
            clock=self.clock.now,
        )
        if self.metrics:
            self.metrics.deliveries.labels("sent").inc(report.sent)
            self.metrics.deliveries.labels("retrying").inc(report.retrying)
            self.metrics.deliveries.labels("failed").inc(report.failed)
        if report.sent or report.failed or report.retrying:
            log.info("delivered", sent=report.sent, retrying=report.retrying, failed=report.failed)
        return report

    def run_once(self) -> CycleReport:
        """One pass of every stage in data-flow order."""
        return CycleReport(self.collect(), self.analyze(), self.detect(), self.deliver())

    def close(self) -> None:
        """Stop, giving back every claim this process still holds; safe to call twice."""
        self.stopping.set()
        try:
            with transaction(self.engine) as session:
                release_owned(session, self.owner, self.clock.now())
                release_outbox(session, self.owner)
                heartbeat.forget(session, [self.owner])
        except (StorageError, SQLAlchemyError) as exc:
            log.warning("claims_not_released", error=exc, note="they expire by themselves")
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._parser.close()
        self._http.close()
        self.engine.dispose()

    def _on_outcome(self, outcome: Outcome, added: int) -> None:
        if outcome.error:
            log.warning("fetch_failed", source=outcome.task.name, error=outcome.error)
        elif outcome.feed is not None:
            for warning in outcome.feed.warnings:
                log.warning("feed_warning", source=outcome.task.name, warning=warning)
        if self.metrics:
            result = "error" if outcome.error else "not_modified" if outcome.not_modified else "ok"
            self.metrics.fetches.labels(result).inc()
            self.metrics.mentions_collected.inc(added)
        if added and self.on_stored is not None:
            self.on_stored()
