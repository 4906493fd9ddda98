"""What a backfill found, read back from the database: history's incidents, the alerts
they raised or would have, and what each brand's baseline was learnt from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from wommon.store.db import reading
from wommon.store.enums import Kind
from wommon.store.models import BrandHour, Incident, Outbox


@dataclass(frozen=True)
class FoundIncident:
    id: int
    brand: str
    story: str
    mentions: int
    sources: int
    first_seen: str
    state: str


@dataclass(frozen=True)
class FoundAlert:
    incident: int
    story: str
    at: str
    status: str
    mentions: int | None


def baselines(engine: Engine) -> dict[str, dict[str, Any]]:
    """What each brand's baseline has been learnt from: the span of its hourly counts and
    its usual number of negative mentions a day. History seeds it, so live detection
    starts knowing what a normal day looks like."""
    with reading(engine) as session:
        rows = session.exec(
            select(
                BrandHour.brand,
                func.min(BrandHour.hour),
                func.max(BrandHour.hour),
                func.sum(BrandHour.negative),
            ).group_by(col(BrandHour.brand))
        ).all()
    found = {}
    for brand, first, last, negative in rows:
        days = max((last - first).total_seconds() / 86400 + 1 / 24, 1.0)
        found[brand] = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "days": round(days, 1),
            "negative_per_day": round((negative or 0) / days, 2),
        }
    return found


def findings(
    engine: Engine, since: datetime | None, until: datetime
) -> tuple[list[FoundIncident], list[FoundAlert]]:
    """History's incidents first seen in the window, and the alerts they raised (or would
    have: suppressed), in time order."""
    with reading(engine) as session:
        query = select(Incident).where(col(Incident.historical), col(Incident.first_seen) <= until)
        if since is not None:
            query = query.where(col(Incident.first_seen) >= since)
        incidents = list(session.exec(query.order_by(col(Incident.first_seen))))
        ids = [i.id for i in incidents]
        alerts = list(
            session.exec(
                select(Outbox)
                .where(col(Outbox.incident_id).in_(ids), Outbox.kind == Kind.OPEN)
                .order_by(col(Outbox.created_at))
            )
        )
    by_id = {i.id: i for i in incidents}
    return (
        [
            FoundIncident(
                id=i.id or 0,
                brand=i.brand,
                story=i.label,
                mentions=i.mentions,
                sources=i.sources,
                first_seen=i.first_seen.isoformat(),
                state=i.state,
            )
            for i in incidents
        ],
        [
            FoundAlert(
                incident=a.incident_id or 0,
                story=by_id[a.incident_id].label if a.incident_id in by_id else "",
                at=a.created_at.isoformat(),
                status=a.status,
                mentions=json.loads(a.payload).get("mentions"),
            )
            for a in alerts
        ],
    )
