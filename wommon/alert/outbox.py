"""Deliver outbox rows: claim -> send -> record, the notification log being the row itself.

A row is marked sent only after the notifier returned, and claimed under a lease, so a crash
at any point leads to a retry (at-least-once), never to a silently lost alert. Permanent
errors stop retries and leave the reason on the row for `wommon status` to show.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from wommon import defaults
from wommon.alert.notifier import Alert, Notifier
from wommon.errors import DeliveryError
from wommon.store.db import transaction
from wommon.store.models import Incident, Outbox

log = logging.getLogger(__name__)
UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential backoff, capped; Slack's Retry-After wins when it asks for longer."""
    base = defaults.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    delay = min(base, defaults.DELIVERY_RETRY_MAX_SECONDS)
    return timedelta(seconds=max(delay, retry_after or 0.0))


def claim(engine: Engine, now: datetime, owner: str, limit: int) -> list[tuple[int, Alert]]:
    """The oldest unsent row of each incident that is due: an incident's alerts go in order,
    so an update never overtakes the message it updates."""
    first_unsent = (
        select(func.min(Outbox.id))
        .where(col(Outbox.status).in_(UNSENT))
        .group_by(col(Outbox.incident_id))
    )
    lease_free = or_(col(Outbox.status) == "pending", col(Outbox.lease_until) < now)
    with transaction(engine) as session:
        rows = session.exec(
            select(Outbox)
            .where(col(Outbox.id).in_(first_unsent), col(Outbox.next_attempt_at) <= now, lease_free)
            .order_by(col(Outbox.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            incident = session.get(Incident, row.incident_id)
            row.status = "sending"
            row.lease_owner = owner
            row.lease_until = now + timedelta(seconds=defaults.DELIVERY_LEASE_SECONDS)
            session.add(row)
            assert row.id is not None
            claimed.append(
                (
                    row.id,
                    Alert(
                        key=row.idempotency_key,
                        kind=row.kind,
                        payload=json.loads(row.payload),
                        root_channel=incident.slack_channel if incident else None,
                        root_ts=incident.slack_ts if incident else None,
                    ),
                )
            )
        return claimed


def deliver_due(
    engine: Engine, notifier: Notifier, now: datetime, *, owner: str, limit: int = 50
) -> DeliveryReport:
    sent = retrying = failed = 0
    for row_id, alert in claim(engine, now, owner, limit):
        try:
            receipt = notifier.send(alert)
        except DeliveryError as exc:
            with transaction(engine) as session:
                row = session.get(Outbox, row_id)
                if row is None:
                    continue
                row.attempts += 1
                row.last_error = exc.reason
                row.lease_owner = row.lease_until = None
                if exc.permanent:
                    row.status = "failed"
                    failed += 1
                else:
                    row.status = "pending"
                    row.next_attempt_at = now + retry_delay(row.attempts, exc.retry_after)
                    retrying += 1
                session.add(row)
            log.warning(
                "alert not delivered: %s (key=%s, %s)",
                exc.reason,
                alert.key,
                "permanent" if exc.permanent else "will retry",
            )
            continue
        with transaction(engine) as session:
            row = session.get(Outbox, row_id)
            if row is None:
                continue
            row.status = "sent"
            row.attempts += 1
            row.sent_at = now
            row.channel, row.slack_ts = receipt.channel, receipt.ts
            row.last_error = row.lease_owner = row.lease_until = None
            session.add(row)
            incident = session.get(Incident, row.incident_id)
            if incident is not None and alert.root_ts is None and receipt.ts is not None:
                incident.slack_channel, incident.slack_ts = receipt.channel, receipt.ts
                session.add(incident)
        sent += 1
    return DeliveryReport(sent=sent, retrying=retrying, failed=failed)


def release(engine: Engine, owner: str) -> int:
    """Put back rows this deliverer claimed but did not finish, so a restart sends them at
    once instead of waiting out the lease."""
    with transaction(engine) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.status == "sending", Outbox.lease_owner == owner)
        ).all()
        for row in rows:
            row.status = "pending"
            row.lease_owner = row.lease_until = None
            session.add(row)
        return len(rows)
