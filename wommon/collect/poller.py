"""Claim due sources, fetch them in a bounded pool, store what they hold.

Claims are leases (`collect/claims.py`). Each source's mentions and its new ETag are
committed in one transaction, fenced by the lease: the ETag never advances past mentions
that were not stored, and a lost claim stores nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import defaults, logs
from wommon.collect.claims import (
    HostQueues,
    SourceTask,
    claim_due,
    release,
)
from wommon.collect.entry import ParsedFeed
from wommon.collect.http import FetchLimits, HTTPStatusError, fetch, retry_after_seconds
from wommon.collect.insert import insert_entries
from wommon.collect.parsers import parse
from wommon.errors import FetchError, ParseError
from wommon.redaction import redact_url
from wommon.store.db import transaction
from wommon.store.models import Source

log = logs.events(__name__)


@dataclass(frozen=True)
class Outcome:
    task: SourceTask
    feed: ParsedFeed | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    moved_to: str | None = None
    error: str | None = None
    status: int | None = None
    retry_after: str | None = None


@dataclass(frozen=True)
class CollectReport:
    polled: int
    failed: int
    new_mentions: int


def next_due(now: datetime, interval_seconds: int, failures: int, rng: random.Random) -> datetime:
    """Next poll time: the interval, doubled per consecutive failure up to a day, jittered
    so that sources failing together do not retry together (R9)."""
    delay = float(interval_seconds)
    if failures:
        delay = min(delay * 2 ** min(failures, 20), max(delay, defaults.BACKOFF_MAX_SECONDS))
    delay *= 1 + rng.uniform(-defaults.JITTER_FRACTION, defaults.JITTER_FRACTION)
    return now + timedelta(seconds=delay)


def poll(
    task: SourceTask,
    http: requests.Session,
    limits: FetchLimits,
    parser: Callable[..., ParsedFeed] = parse,
) -> Outcome:
    """Fetch and parse one source; never raises for a broken feed, it reports it."""
    try:
        result = fetch(http, task.url, limits, etag=task.etag, last_modified=task.last_modified)
        if result.not_modified:
            return Outcome(
                task,
                etag=task.etag,
                last_modified=task.last_modified,
                not_modified=True,
                moved_to=result.moved_to,
            )
        assert result.content is not None
        feed = parser(task.kind, result.content, url=result.url, content_type=result.content_type)
    except HTTPStatusError as exc:
        return Outcome(task, error=str(exc), status=exc.status, retry_after=exc.retry_after)
    except (FetchError, ParseError) as exc:
        return Outcome(task, error=str(exc))
    except Exception as exc:  # a parser bug must cost one source, not the run
        log.exception("unexpected_error_polling", source=task.name)
        return Outcome(
            task, error=f"{redact_url(task.url)}: internal error: {exc.__class__.__name__}: {exc}"
        )
    return Outcome(
        task,
        feed=feed,
        etag=result.etag,
        last_modified=result.last_modified,
        moved_to=result.moved_to,
    )


def record(
    session: Session, outcome: Outcome, now: datetime, rng: random.Random, owner: str
) -> int | None:
    """Store an outcome: new mentions and the source's new state, in the caller's
    transaction; None, storing nothing, when `owner` no longer holds the source's lease at
    `now` (it expired and another daemon may have fetched it since)."""
    src = session.exec(
        select(Source)
        .where(
            Source.id == outcome.task.id,
            Source.lease_owner == owner,
            col(Source.lease_until) > now,
        )
        .with_for_update()
    ).first()
    if src is None:
        log.warning("lease_lost", source=outcome.task.name, action="outcome discarded")
        return None
    src.lease_owner = src.lease_until = None
    src.last_fetch_at = now
    added = 0
    if outcome.error is not None:
        src.consecutive_failures += 1
        src.last_error = outcome.error[:2000]
        src.next_due_at = next_due(now, src.interval_seconds, src.consecutive_failures, rng)
        wait_for = retry_after_seconds(outcome.retry_after, now)
        if outcome.status in (429, 503) and wait_for is not None:
            wait_for *= 1 + rng.uniform(0, defaults.JITTER_FRACTION)
            src.next_due_at = max(src.next_due_at, now + timedelta(seconds=wait_for))
        if outcome.status == 410:
            src.enabled = False
            src.disabled_reason = "the server says the feed is gone (HTTP 410)"
            log.warning("source_disabled", source=src.name, reason="HTTP 410 Gone", url=src.url)
    else:
        if outcome.feed is not None:
            added = insert_entries(session, src, outcome.feed.entries, now)
        if outcome.moved_to and outcome.moved_to != src.url:
            log.info("source_moved", source=src.name, old_url=src.url, new_url=outcome.moved_to)
            src.url = outcome.moved_to
        src.consecutive_failures = 0
        src.last_error = None
        if not outcome.not_modified:
            warnings = outcome.feed.warnings if outcome.feed else ()
            src.last_warning = "; ".join(warnings)[:2000] or None
        src.last_success_at = now
        src.etag, src.last_modified = outcome.etag, outcome.last_modified
        src.next_due_at = next_due(now, src.interval_seconds, 0, rng)
    session.add(src)
    return added


def collect_due(
    engine: Engine,
    now: datetime,
    *,
    owner: str,
    http: requests.Session,
    limits: FetchLimits,
    pool: ThreadPoolExecutor,
    max_per_host: int = defaults.FETCH_MAX_PER_HOST,
    batch: int = 500,
    workers: int = defaults.FETCH_WORKERS,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome, int], None] | None = None,
    parser: Callable[..., ParsedFeed] = parse,
    clock: Callable[[], datetime] | None = None,
    renew_every: float = defaults.HEARTBEAT_SECONDS,
) -> CollectReport:
    """Poll every source due at `now`.

    Sources are claimed a few at a time, as the pool has room (never more than twice its
    workers, never more than `batch` at once), so several daemons share what is due
    instead of the first taking it all. Fetches run in `pool`, at most `max_per_host` at a
    time to any one host (across every daemon on PostgreSQL), queued per host rather than
    blocking a worker. Leases are checked and renewed every `renew_every` seconds while
    sources wait (and first thing after a pause), and every write-back is fenced by the
    lease at the time it is written (`clock`): a daemon that was paused past its leases
    neither fetches what it had queued nor stores what it had fetched. When `stop` is set,
    fetches still in flight are abandoned and their sources released for the next run.
    """
    rng = rng or random.Random()
    clock = clock or (lambda: now)
    run = HostQueues(engine, owner, max_per_host, limits, clock)
    capacity = max(1, min(batch, 2 * workers))
    running: dict[Future[Outcome | None], SourceTask] = {}
    polled = failed = new = 0
    renewed = time.monotonic()
    exhausted = False
    while True:
        if time.monotonic() - renewed > renew_every:
            run.renew(set(running.values()))
            renewed = time.monotonic()
        if not exhausted and stop_not_set(stop) and run.held() < capacity:
            with transaction(engine) as session:
                tasks = claim_due(session, now, owner, capacity - run.held(), clock())
            exhausted = not tasks
            run.queue(tasks)
        for task in run.startable():
            running[pool.submit(_poll_if_held, run, task, http, limits, parser)] = task
        if not running and not run.waiting():
            if exhausted or not stop_not_set(stop):
                break
            continue
        if not running:  # every queued host is at its limit across the daemons
            time.sleep(0.2)
        done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED) if running else ((), ())
        for future in done:
            task = running.pop(future)
            outcome = future.result()
            run.finished(task)
            if outcome is None:
                log.warning("fetch_skipped", source=task.name, reason="host slot lost")
                release(engine, [task.id], owner, now)
                continue
            with transaction(engine) as session:
                added = record(session, outcome, clock(), rng, owner)
            if added is None:
                continue
            polled += 1
            failed += outcome.error is not None
            new += added
            if on_outcome:
                on_outcome(outcome, added)
        if not stop_not_set(stop):
            unpolled = [t.id for t in running.values()] + run.drop_queued()
            release(engine, unpolled, owner, now)
            run.close()
            break
    run.close()
    return CollectReport(polled=polled, failed=failed, new_mentions=new)


def _poll_if_held(
    run: HostQueues,
    task: SourceTask,
    http: requests.Session,
    limits: FetchLimits,
    parser: Callable[..., ParsedFeed],
) -> Outcome | None:
    """poll(), unless the host slot taken for it was lost meanwhile (None)."""
    return poll(task, http, limits, parser) if run.still_held(task) else None


def stop_not_set(stop: threading.Event | None) -> bool:
    return stop is None or not stop.is_set()
