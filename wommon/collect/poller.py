"""Claim due sources, fetch them in a bounded pool, store what they hold.

Claiming is a lease on the Source row (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL),
so several daemons can share one database and a crashed one's claims expire. Each source's
mentions and its new ETag are committed in one transaction: the ETag never advances past
mentions that were not stored.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import defaults
from wommon.collect.feeds import Entry, ParsedFeed, parse_feed
from wommon.collect.http import FetchLimits, fetch
from wommon.errors import FetchError, ParseError
from wommon.store.db import transaction
from wommon.store.models import Mention, Source


@dataclass(frozen=True)
class SourceTask:
    """What a worker needs to poll one source: no ORM row crosses into the threads."""

    id: int
    name: str
    url: str
    interval_seconds: int
    consecutive_failures: int
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class Outcome:
    task: SourceTask
    feed: ParsedFeed | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None


@dataclass(frozen=True)
class CollectReport:
    polled: int
    failed: int
    new_mentions: int


def next_due(now: datetime, interval_seconds: int, failures: int, rng: random.Random) -> datetime:
    """Next poll time: the interval, doubled per consecutive failure up to a day, jittered."""
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
                url=src.url,
                interval_seconds=src.interval_seconds,
                consecutive_failures=src.consecutive_failures,
                etag=src.etag,
                last_modified=src.last_modified,
            )
        )
    return tasks


def poll(task: SourceTask, http: requests.Session, limits: FetchLimits) -> Outcome:
    """Fetch and parse one source; never raises for a broken feed, it reports it."""
    try:
        result = fetch(http, task.url, limits, etag=task.etag, last_modified=task.last_modified)
        if result.not_modified:
            return Outcome(
                task, etag=task.etag, last_modified=task.last_modified, not_modified=True
            )
        assert result.content is not None
        feed = parse_feed(result.content, url=result.url, content_type=result.content_type)
    except (FetchError, ParseError) as exc:
        return Outcome(task, error=str(exc))
    return Outcome(task, feed=feed, etag=result.etag, last_modified=result.last_modified)


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
        src.last_error = outcome.error
    else:
        if outcome.feed is not None:
            added = insert_mentions(session, src, outcome.feed.entries, now)
        src.consecutive_failures = 0
        src.last_error = "; ".join(outcome.feed.warnings)[:2000] if outcome.feed else None
        src.last_error = src.last_error or None
        src.last_success_at = now
        src.etag, src.last_modified = outcome.etag, outcome.last_modified
    src.next_due_at = next_due(now, src.interval_seconds, src.consecutive_failures, rng)
    session.add(src)
    return added


def insert_mentions(session: Session, src: Source, entries: Iterable[Entry], now: datetime) -> int:
    """Insert entries not seen before; (source, uid) is unique, so re-fetching adds nothing."""
    rows = [_mention_row(src, entry, now) for entry in entries]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Mention)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["source_id", "uid"])
        .returning(col(Mention.id))
    )
    return len(session.connection().execute(stmt).all())


def _mention_row(src: Source, entry: Entry, now: datetime) -> dict[str, object]:
    published = entry.published_at
    if published is None or published > now + timedelta(days=1) or published.year < 1990:
        published = now
    return {
        "source_id": src.id,
        "uid": entry.uid,
        "url": entry.url,
        "domain": _domain(entry.url or src.url),
        "author": entry.author[:255] if entry.author else None,
        "title": entry.title,
        "text": entry.text,
        "links": json.dumps(list(entry.links)),
        "fingerprint": None,
        "published_at": published,
        "fetched_at": now,
        "historical": False,
    }


def _domain(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def collect_due(
    engine: Engine,
    now: datetime,
    *,
    owner: str,
    http: requests.Session,
    limits: FetchLimits,
    pool: ThreadPoolExecutor,
    batch: int = 200,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome, int], None] | None = None,
) -> CollectReport:
    """Poll every source due at `now`: fetches run in `pool`, writes in this thread, in the
    order fetches finish, so one slow host delays nobody. When `stop` is set, fetches still
    in flight are abandoned and their sources released for the next run."""
    rng = rng or random.Random()
    with transaction(engine) as session:
        tasks = claim_due(session, now, owner, batch)
    polled = failed = new = 0
    pending = {pool.submit(poll, task, http, limits): task for task in tasks}
    while pending:
        done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            pending.pop(future)
            outcome = future.result()
            with transaction(engine) as session:
                added = record(session, outcome, now, rng)
            polled += 1
            failed += outcome.error is not None
            new += added
            if on_outcome:
                on_outcome(outcome, added)
        if stop is not None and stop.is_set():
            release(engine, [task.id for task in pending.values()], owner)
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
