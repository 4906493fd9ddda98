"""Writing alerts to the outbox: detection calls this inside its own transaction, so an
incident change and the alert it implies are committed together or not at all."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from wommon.store.enums import Status
from wommon.store.models import Outbox
from wommon.store.payload import Payload
from wommon.store.prepared import Prepared


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
    connection = session.connection()
    queued = _queueing(connection.dialect.name).rows(
        connection,
        {
            "incident_id": incident_id,
            "kind": kind,
            "idempotency_key": key,
            "payload": json.dumps(
                payload if isinstance(payload, dict) else payload.to_json(),
                ensure_ascii=False,
                default=str,
            ),
            "status": status,
            "created_at": now,
            "next_attempt_at": at or now,
        },
    )
    return bool(queued)


# A new row's counters, named so that the statement holds them as constants.
_NOTHING_YET = {"claims": 0, "attempts": 0, "unverified_sends": 0}


@cache
def _queueing(dialect: str) -> Prepared:
    """Built once per dialect: detection queues an alert at every decision worth telling."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    names = (
        "incident_id",
        "kind",
        "idempotency_key",
        "payload",
        "status",
        "created_at",
        "next_attempt_at",
    )
    return Prepared(
        insert(Outbox)
        .values({**{name: bindparam(name) for name in names}, **_NOTHING_YET})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(Outbox.id))
    )
