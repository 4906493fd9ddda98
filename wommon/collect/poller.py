"""Claim due sources, fetch them in a bounded pool, store what they hold.

Claiming is a lease on the Source row (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL),
so several daemons can share one database and a crashed one's claims expire. Each source's
mentions and its new ETag are committed in one transaction: the ETag never advances past
mentions that were not stored.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import defaults
from wommon.collect.entry import ParsedFeed
from wommon.collect.http import FetchLimits, HTTPStatusError, fetch, retry_after_seconds
from wommon.collect.parsers import parse
from wommon.collect.store import insert_entries
from wommon.errors import FetchError, ParseError
from wommon.redaction import redact_url
from wommon.store.db import transaction
from wommon.store.models import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceTask:
    """What a worker needs to poll one source: no ORM row crosses into the threads."""

    id: int
    name: str
    kind: str
    url: str
    interval_seconds: int
    consecutive_failures: int
    etag: str | None
    last_modified: str | None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


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


def claim_due(session: Session, now: datetime, owner: str, limit: int) -> list[SourceTask]:
    lease_free = or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
    query = (
        select(Source)
        .where(col(Source.enabled), col(Source.next_due_at) <= now, lease_free)
        .order_by(col(Source.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    tasks = []
    for src in session.exec(query):
        src.lease_owner = owner
        src.lease_until = now + timedelta(seconds=defaults.SOURCE_LEASE_SECONDS)
        session.add(src)
        assert src.id is not None
        tasks.append(
            SourceTask(
                id=src.id,
                name=src.name,
                kind=src.kind,
                url=src.url,
                interval_seconds=src.interval_seconds,
                consecutive_failures=src.consecutive_failures,
                etag=src.etag,
                last_modified=src.last_modified,
            )
        )
    return tasks


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
        log.exception("unexpected error polling source=%s", task.name)
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


def record(session: Session, outcome: Outcome, now: datetime, rng: random.Random) -> int:
    """Store an outcome: new mentions and the source's new state, in the caller's transaction."""
    src = session.get(Source, outcome.task.id)
    if src is None:
        return 0
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
            log.warning("source disabled source=%s reason=HTTP 410 Gone url=%s", src.name, src.url)
    else:
        if outcome.feed is not None:
            added = insert_entries(session, src, outcome.feed.entries, now)
        if outcome.moved_to and outcome.moved_to != src.url:
            log.info("source moved source=%s from=%s to=%s", src.name, src.url, outcome.moved_to)
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
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome, int], None] | None = None,
    parser: Callable[..., ParsedFeed] = parse,
) -> CollectReport:
    """Poll every source due at `now`.

    Fetches run in `pool`, at most `max_per_host` at a time to any one host, queued per host
    rather than blocking a worker, so a slow host delays only its own feeds. Writes happen in
    this thread in the order fetches finish. When `stop` is set, fetches still in flight are
    abandoned and their sources released for the next run.
    """
    rng = rng or random.Random()
    with transaction(engine) as session:
        tasks = claim_due(session, now, owner, batch)
    queues: dict[str, deque[SourceTask]] = defaultdict(deque)
    for task in tasks:
        queues[task.host].append(task)
    running: dict[Future[Outcome], SourceTask] = {}

    def submit(host: str) -> None:
        if queues[host]:
            task = queues[host].popleft()
            running[pool.submit(poll, task, http, limits, parser)] = task

    for host in list(queues):
        for _ in range(max_per_host):
            submit(host)
    polled = failed = new = 0
    while running:
        done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            outcome = future.result()
            with transaction(engine) as session:
                added = record(session, outcome, now, rng)
            polled += 1
            failed += outcome.error is not None
            new += added
            if on_outcome:
                on_outcome(outcome, added)
            if stop is None or not stop.is_set():
                submit(task.host)
        if stop is not None and stop.is_set():
            unpolled = [t.id for t in running.values()] + [t.id for q in queues.values() for t in q]
            release(engine, unpolled, owner)
            break
    return CollectReport(polled=polled, failed=failed, new_mentions=new)


def release(engine: Engine, source_ids: list[int], owner: str) -> None:
    """Give back claims on sources that were not polled, so nobody waits out the lease."""
    if not source_ids:
        return
    with transaction(engine) as session:
        for src in session.exec(
            select(Source).where(col(Source.id).in_(source_ids), Source.lease_owner == owner)
        ):
            src.lease_owner = src.lease_until = None
            session.add(src)


def release_owned(engine: Engine, owner: str) -> None:
    """Give back every source `owner` still holds (at shutdown)."""
    with transaction(engine) as session:
        for src in session.exec(select(Source).where(Source.lease_owner == owner)):
            src.lease_owner = src.lease_until = None
            session.add(src)
