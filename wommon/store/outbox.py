"""Writing alerts to the outbox: detection calls this inside its own transaction, so an
incident change and the alert it implies are committed together or not at all."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from wommon.store.enums import Status
from wommon.store.models import Outbox
from wommon.store.payload import Payload


def enqueue(
    session: Session,
    *,
    incident_id: int | None,
    kind: str,
    key: str,
    payload: Payload | dict[str, Any],
    now: datetime,
    at: datetime | None = None,
    status: str = Status.PENDING,
) -> bool:
    """Queue one alert (to go at `at`, default now); a second call with the same key is a
    no-op. True if queued. Digests have no incident. A "suppressed" row records an alert
    that history would have raised, without ever sending it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Outbox)
        .values(
            incident_id=incident_id,
            kind=kind,
            idempotency_key=key,
            payload=json.dumps(
                payload if isinstance(payload, dict) else payload.to_json(),
                ensure_ascii=False,
                default=str,
            ),
            status=status,
            attempts=0,
            created_at=now,
            next_attempt_at=at or now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(Outbox.id))
    )
    return session.connection().execute(stmt).first() is not None
