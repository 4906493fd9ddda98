"""Deliver outbox rows: claim -> hold? -> already sent? -> pace -> send -> record.

The notification log is the row itself. A row is marked sent only after the notifier
returned, and claimed under a lease, so a crash at any point leads to a retry, never to a
lost alert (at-least-once). A row claimed before (its deliverer died, or the answer was
lost) is first looked up in Slack by its metadata key, so the retry does not post twice.
Permanent errors stop retries and leave the reason on the row for `wommon status`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import defaults, logs
from wommon.alert import digest
from wommon.alert.notifier import Alert, Notifier, Receipt
from wommon.alert.pacer import Pacing
from wommon.alert.routing import channel_for, held_until
from wommon.config import SlackSettings
from wommon.errors import DeliveryError
from wommon.store.db import transaction
from wommon.store.enums import Kind, Status
from wommon.store.models import Incident, Outbox
from wommon.store.payload import Digest, IncidentNews, Payload

log = logs.events(__name__)
UNSENT = (Status.PENDING, Status.SENDING)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int
    held: int = 0


@dataclass
class Routing:
    """Where alerts go when the incident has no message yet, and when they may go."""

    default_channel: str = "console"
    slack: SlackSettings = field(default_factory=SlackSettings)


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """Slack's Retry-After when it gave one; else exponential backoff, capped (R25)."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))
    base = defaults.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(base, defaults.DELIVERY_RETRY_MAX_SECONDS))


@dataclass(frozen=True)
class Claimed:
    row_id: int
    alert: Alert
    seen_before: bool
    unverified_sends: int = 0


# After a lost answer that cannot be checked in Slack, an alert is sent once more: at most
# one duplicate, never a stream of them.
MAX_UNVERIFIED_SENDS = 1
RETRY_HINT = "fix the cause, then run `wommon alerts retry CONFIG --failed`"


def claim(
    engine: Engine, now: datetime, owner: str, limit: int, routing: Routing | None = None
) -> list[Claimed]:
    """The oldest unsent row of each incident that is due: an incident's alerts go in order,
    so an update never overtakes the message it updates."""
    routing = routing or Routing()
    first_unsent = (
        select(func.min(Outbox.id))
        .where(col(Outbox.status).in_(UNSENT))
        .group_by(col(Outbox.incident_id))
    )
    lease_free = or_(col(Outbox.status) == Status.PENDING, col(Outbox.lease_until) < now)
    with transaction(engine) as session:
        rows = session.exec(
            select(Outbox)
            .where(col(Outbox.id).in_(first_unsent), col(Outbox.next_attempt_at) <= now, lease_free)
            .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            incident = session.get(Incident, row.incident_id) if row.incident_id else None
            stored = json.loads(row.payload)
            payload: Payload = (
                digest.fill(session, Digest.from_json(stored), row.id)
                if row.kind == Kind.DIGEST
                else IncidentNews.from_json(stored)
            )
            row.status = Status.SENDING
            row.claims += 1
            row.lease_owner = owner
            row.lease_until = now + timedelta(seconds=defaults.DELIVERY_LEASE_SECONDS)
            session.add(row)
            assert row.id is not None
            root_ts = incident.slack_ts if incident else None
            alert = Alert(
                key=row.idempotency_key,
                kind=row.kind,
                payload=payload,
                channel=channel_for(payload, routing.slack, routing.default_channel),
                root_channel=incident.slack_channel if incident and root_ts else None,
                root_ts=root_ts,
                created_at=row.created_at,
            )
            claimed.append(
                Claimed(
                    row.id,
                    alert,
                    seen_before=row.claims > 1,
                    unverified_sends=row.unverified_sends,
                )
            )
        return claimed


def deliver_due(
    engine: Engine,
    notifier: Notifier,
    now: datetime,
    *,
    owner: str,
    limit: int = 50,
    routing: Routing | None = None,
    pacer: Pacing | None = None,
    target: str = "",
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """Send what is due. `target` names the delivery setup (a digest of the Slack settings
    and secrets): a permanent failure records it, so a changed setup retries by itself.

    Every send is fenced by the claim: just before it, the lease is renewed in one
    statement that also checks it is still this deliverer's (`clock` gives the time then);
    a row whose lease was lost (the process paused, another daemon took over) is not sent.
    When `stop` is set, rows not yet sent are put back untried."""
    routing = routing or Routing()
    clock = clock or (lambda: now)
    sent = retrying = failed = held = 0
    claimed = claim(engine, now, owner, limit, routing)
    for position, item in enumerate(claimed):
        if stop is not None and stop.is_set():
            for rest in claimed[position:]:
                _put_back(engine, rest.row_id, now, owner)
            break
        alert = item.alert
        hold = (
            held_until(alert.payload, alert.kind, now, routing.slack)
            if alert.root_ts is None
            else None
        )
        channel = alert.root_channel or alert.channel
        wait = pacer.blocked(channel) if pacer else 0.0
        if hold is not None or wait > 0:
            _put_back(engine, item.row_id, hold or now + timedelta(seconds=wait), owner)
            if hold is not None:
                _queue_quiet_digest(engine, hold, now)
                held += 1
            continue
        if not _renew(engine, item.row_id, owner, clock()):
            log.warning("lease_lost", key=alert.key, action="not sent")
            continue
        receipt = None
        if item.seen_before:
            try:
                receipt = notifier.find(alert)
            except DeliveryError as exc:
                if item.unverified_sends >= MAX_UNVERIFIED_SENDS:
                    _record_failure(engine, item.row_id, _unverifiable(exc), now, target, owner)
                    failed += 1
                    log.error("alert_unverifiable", key=alert.key, reason=exc, action="stopped")
                    continue
                log.warning(
                    "alert_unverifiable",
                    key=alert.key,
                    reason=exc.reason,
                    action="sending once more (at most one duplicate)",
                )
                _count_unverified(engine, item.row_id)
        if receipt is not None:
            log.info("alert_already_in_slack", key=alert.key, action="not posting again")
        else:
            try:
                if pacer:
                    pacer.wait(channel)
                    if not _renew(engine, item.row_id, owner, clock()):
                        log.warning("lease_lost", key=alert.key, action="not sent")
                        continue
                receipt = notifier.send(alert)
            except DeliveryError as exc:
                if pacer and exc.retry_after:
                    pacer.block(channel, exc.retry_after)
                _record_failure(engine, item.row_id, exc, now, target, owner)
                if exc.permanent:
                    failed += 1
                else:
                    retrying += 1
                log.warning(
                    "alert_not_delivered",
                    key=alert.key,
                    reason=exc.reason,
                    action=RETRY_HINT if exc.permanent else "will retry",
                )
                continue
        _record_sent(engine, item.row_id, receipt, now, owner)
        sent += 1
    return DeliveryReport(sent=sent, retrying=retrying, failed=failed, held=held)


def _mine(session: Session, row_id: int, owner: str) -> Outbox | None:
    """The row, when this deliverer still holds its claim: every write-back goes through
    here, so a deliverer that lost its lease changes nothing."""
    return session.exec(
        select(Outbox)
        .where(Outbox.id == row_id, Outbox.status == Status.SENDING, Outbox.lease_owner == owner)
        .with_for_update()
    ).first()


def _renew(engine: Engine, row_id: int, owner: str, now: datetime) -> bool:
    """Extend the claim if it is still this deliverer's and unexpired, in one statement."""
    with transaction(engine) as session:
        result = session.execute(
            update(Outbox)
            .where(
                col(Outbox.id) == row_id,
                col(Outbox.status) == Status.SENDING,
                col(Outbox.lease_owner) == owner,
                col(Outbox.lease_until) > now,
            )
            .values(lease_until=now + timedelta(seconds=defaults.DELIVERY_LEASE_SECONDS))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _put_back(engine: Engine, row_id: int, at: datetime, owner: str) -> None:
    """Return a claimed row unsent and untried (held for quiet hours, the channel paused
    after a 429, or the deliverer stopping)."""
    with transaction(engine) as session:
        row = _mine(session, row_id, owner)
        if row is not None:
            row.status = Status.PENDING
            row.claims = max(row.claims - 1, 0)
            row.next_attempt_at = at
            row.lease_owner = row.lease_until = None
            session.add(row)


def _queue_quiet_digest(engine: Engine, until: datetime, now: datetime) -> None:
    with transaction(engine) as session:
        digest.enqueue_digest(
            session, "quiet", f"digest-quiet-{until:%Y%m%dT%H%M}", until - timedelta(seconds=1), now
        )


def _unverifiable(exc: DeliveryError) -> DeliveryError:
    return DeliveryError(
        f"{exc.reason}: the alert may already be in Slack and this cannot be checked, and it "
        f"was re-sent once already: look in the channel; if it is missing, run "
        f"`wommon alerts retry CONFIG --id N`",
        permanent=True,
    )


def _count_unverified(engine: Engine, row_id: int) -> None:
    """Counted before the send, so a crash during it still counts."""
    with transaction(engine) as session:
        row = session.get(Outbox, row_id)
        if row is not None:
            row.unverified_sends += 1
            session.add(row)


def _record_failure(
    engine: Engine, row_id: int, exc: DeliveryError, now: datetime, target: str, owner: str
) -> None:
    with transaction(engine) as session:
        row = _mine(session, row_id, owner)
        if row is None:
            return
        row.attempts += 1
        row.last_error = exc.reason
        row.lease_owner = row.lease_until = None
        if not exc.maybe_delivered:
            row.claims = max(row.claims - 1, 0)
        if exc.permanent:
            row.status = Status.FAILED
            row.failed_target = target or None
        else:
            row.status = Status.PENDING
            row.next_attempt_at = now + retry_delay(row.attempts, exc.retry_after)
        session.add(row)


def _record_sent(engine: Engine, row_id: int, receipt: Receipt, now: datetime, owner: str) -> None:
    with transaction(engine) as session:
        row = _mine(session, row_id, owner)
        if row is None:
            return
        row.status = Status.SENT
        row.attempts += 1
        row.sent_at = now
        row.channel, row.slack_ts = receipt.channel, receipt.ts
        row.last_error = row.lease_owner = row.lease_until = None
        session.add(row)
        incident = session.get(Incident, row.incident_id) if row.incident_id else None
        if incident is not None and receipt.root_ts is not None and incident.slack_ts is None:
            incident.slack_channel, incident.slack_ts = receipt.channel, receipt.root_ts
            session.add(incident)


def retry_failed(
    engine: Engine,
    now: datetime,
    *,
    row_id: int | None = None,
    changed_from: str | None = None,
) -> list[int]:
    """Put failed alerts back in the queue, due now: one (`row_id`), every failed one, or
    (`changed_from`) those that failed under another delivery setup than this one: the
    token, webhook, channel or routes that made them fail have changed. Returns the ids."""
    query = select(Outbox).where(Outbox.status == Status.FAILED)
    if row_id is not None:
        query = query.where(Outbox.id == row_id)
    if changed_from is not None:
        query = query.where(
            col(Outbox.failed_target).is_not(None), Outbox.failed_target != changed_from
        )
    with transaction(engine) as session:
        rows = session.exec(query).all()
        for row in rows:
            row.status = Status.PENDING
            row.next_attempt_at = now
            row.failed_target = None
            row.unverified_sends = 0
            row.lease_owner = row.lease_until = None
            session.add(row)
        return [row.id for row in rows if row.id is not None]


def release(session: Session, owner: str) -> int:
    """Put back rows this deliverer claimed but did not finish, so a restart sends them at
    once instead of waiting out the lease. They keep their claim count: they may have
    reached Slack, and will be looked up before being sent again."""
    rows = session.exec(
        select(Outbox).where(Outbox.status == Status.SENDING, Outbox.lease_owner == owner)
    ).all()
    for row in rows:
        row.status = Status.PENDING
        row.lease_owner = row.lease_until = None
        session.add(row)
    return len(rows)
