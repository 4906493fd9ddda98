"""Claims on sources: leases taken, renewed, fenced and given back, and the per-host
queues a collect run starts its fetches from.

A claim is a lease on the Source row (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL):
several daemons share one database, a crashed one's claims expire (or are released as soon
as its heartbeat goes stale), and a claim that was lost is never acted on.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import defaults
from wommon.collect.http import FetchLimits
from wommon.store import slots
from wommon.store.db import transaction
from wommon.store.models import Source


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


def claim_due(
    session: Session, now: datetime, owner: str, limit: int, lease_from: datetime | None = None
) -> list[SourceTask]:
    """Lease up to `limit` due sources to `owner`. Until its outcome is written back a
    claimed source is due when its lease ends: the claim query skips it by the due-time
    index alone, and a dead claimer's feed comes due again by itself."""
    lease_free = or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
    query = (
        select(Source)
        .where(col(Source.enabled), col(Source.next_due_at) <= now, lease_free)
        .order_by(col(Source.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    until = (lease_from or now) + timedelta(seconds=defaults.SOURCE_LEASE_SECONDS)
    tasks = []
    for src in session.exec(query):
        src.lease_owner = owner
        src.lease_until = src.next_due_at = until
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


def renew(engine: Engine, source_ids: list[int], owner: str, now: datetime) -> set[int]:
    """Extend the leases `owner` still holds among `source_ids`; returns those it holds.
    A lease that expired (the process was paused, say) is lost for good: another daemon
    may have the source already."""
    if not source_ids:
        return set()
    until = now + timedelta(seconds=defaults.SOURCE_LEASE_SECONDS)
    with transaction(engine) as session:
        held = set(
            session.exec(
                select(Source.id).where(
                    col(Source.id).in_(source_ids),
                    Source.lease_owner == owner,
                    col(Source.lease_until) > now,
                )
            )
        )
        if held:
            session.execute(
                update(Source)
                .where(col(Source.id).in_(sorted(i for i in held if i is not None)))
                .values(lease_until=until, next_due_at=until)
            )
    return {i for i in held if i is not None}


class HostQueues:
    """The claimed sources of one collect run: queued per host, started when the host has
    a free slot (this process's, and on PostgreSQL one of the host's shared slots)."""

    def __init__(
        self,
        engine: Engine,
        owner: str,
        max_per_host: int,
        limits: FetchLimits,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._owner = owner
        self._max = max_per_host
        self._clock = clock
        self._slot_seconds = 2 * limits.timeout_seconds + 30
        self._queues: dict[str, deque[SourceTask]] = defaultdict(deque)
        self._active: dict[str, int] = defaultdict(int)
        self._slots: dict[int, tuple[str, int]] = {}
        self._shared = engine.dialect.name == "postgresql"

    def queue(self, tasks: list[SourceTask]) -> None:
        for task in tasks:
            self._queues[task.host].append(task)

    def held(self) -> int:
        return sum(self._active.values()) + self.waiting()

    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def startable(self) -> list[SourceTask]:
        ready = []
        for host, tasks in self._queues.items():
            while tasks and self._active[host] < self._max:
                slot = self._take_slot(host)
                if slot is None:
                    break
                task = tasks.popleft()
                if slot >= 0:
                    self._slots[task.id] = (host, slot)
                self._active[host] += 1
                ready.append(task)
        return ready

    def still_held(self, task: SourceTask) -> bool:
        """Whether the task's host slot is still this daemon's, asked just before its
        fetch starts: a daemon paused between taking a slot and fetching (SIGSTOP, a
        frozen VM) may find it given to another daemon, and must not fetch beside it."""
        found = self._slots.get(task.id)
        if found is None:
            return True
        with transaction(self._engine) as session:
            return slots.holds(session, found[0], found[1], self._owner, self._clock())

    def finished(self, task: SourceTask) -> None:
        self._active[task.host] -= 1
        found = self._slots.pop(task.id, None)
        if found is not None:
            with transaction(self._engine) as session:
                slots.give_back(session, found[0], found[1], self._owner)

    def renew(self, running: set[SourceTask]) -> None:
        queued = [t for q in self._queues.values() for t in q]
        held = renew(self._engine, [t.id for t in [*queued, *running]], self._owner, self._clock())
        for host, tasks in self._queues.items():
            self._queues[host] = deque(t for t in tasks if t.id in held)

    def drop_queued(self) -> list[int]:
        ids = [t.id for q in self._queues.values() for t in q]
        self._queues.clear()
        return ids

    def close(self) -> None:
        if self._slots:
            with transaction(self._engine) as session:
                slots.give_back_all(session, self._owner)
            self._slots.clear()

    def _take_slot(self, host: str) -> int | None:
        """-1 when no shared slot is needed (SQLite: one daemon)."""
        if not self._shared:
            return -1
        now = self._clock()
        with transaction(self._engine) as session:
            return slots.take(
                session,
                host,
                self._max,
                self._owner,
                now,
                now + timedelta(seconds=self._slot_seconds),
            )


def release(engine: Engine, source_ids: list[int], owner: str, now: datetime) -> None:
    """Give back claims on sources that were not polled, due again at once, so nobody
    waits out the lease."""
    if not source_ids:
        return
    with transaction(engine) as session:
        session.execute(
            update(Source)
            .where(col(Source.id).in_(source_ids), col(Source.lease_owner) == owner)
            .values(lease_owner=None, lease_until=None, next_due_at=now)
        )


def release_owned(
    session: Session, owner: str, now: datetime, in_flight_until: datetime | None = None
) -> None:
    """Give back every source `owner` still holds (at shutdown, or a dead daemon's), and
    its host slots, kept busy until `in_flight_until` when its fetches may still run."""
    session.execute(
        update(Source)
        .where(col(Source.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None, next_due_at=now)
    )
    slots.give_back_all(session, owner, in_flight_until)
