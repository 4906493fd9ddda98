"""`wommon backfill`: load history, re-score it, and show what would have fired.

History goes into the same tables flagged `historical`, is analysed like live mentions,
and detection replays it in time order on a simulated clock, building incidents of its
own. The alerts it would have raised are recorded as "suppressed" outbox rows — the
report, kept — and sent only with `alert=True`. Live detection never looks at history,
so old news never alerts by itself later. Every step is idempotent: running it twice adds
nothing, and an interrupted run continues where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon.analyze.brands import BrandMatcher
from wommon.analyze.pipeline import Analyzer, analyze_pending
from wommon.clock import Clock, SimulatedClock
from wommon.collect.history import read_history
from wommon.collect.store import insert_entries
from wommon.config import Settings
from wommon.detect.detector import detect_pending
from wommon.store.db import transaction
from wommon.store.models import Incident, Mention, Outbox, Source

# Detection replays history in steps of this much simulated time.
REPLAY_STEP = timedelta(hours=1)


class _DryRun(Exception):
    """Raised to roll back what a dry run wrote, after counting it."""


@dataclass
class BackfillReport:
    fetched: int = 0
    new: int = 0
    rescored: int = 0
    warnings: list[str] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    would_alert: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "rescored": self.rescored,
            "incidents": len(self.incidents),
            "would_alert": len(self.would_alert),
            "incident_list": self.incidents,
            "alerts": self.would_alert,
        }


def backfill(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    *,
    files: Sequence[Path] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    rescore: bool = False,
    alert: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> BackfillReport:
    report = BackfillReport()
    now = clock.now()
    until = min(until or now, now)
    for path in files:
        entries, warnings = read_history(path)
        report.warnings += warnings
        entries = [e for e in entries if _inside(e.published_at, since, until)]
        report.fetched += len(entries)
        try:
            with transaction(engine) as session:
                src = _file_source(session, path, now)
                report.new += insert_entries(session, src, entries, now, historical=True)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        progress(f"{path}: {len(entries)} entries read, {len(warnings)} skipped")
    if dry_run:
        return report
    analyzer = Analyzer(BrandMatcher(settings.brands), settings.detect.negative_sentiment)
    while analyze_pending(engine, analyzer, now):
        pass
    if rescore:
        report.rescored = _rescore(engine, analyzer, since, until, now)
        progress(f"re-scored {report.rescored} mentions")
    start = since or _first_pending(engine)
    if start is not None:
        replay = SimulatedClock(start)
        while True:
            detect_pending(
                engine, settings.detect, settings.brands, replay.now(), historical=True, alert=alert
            )
            if replay.now() >= until:
                break
            replay.set(min(replay.now() + REPLAY_STEP, until))
        progress(f"replayed detection from {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC")
    report.incidents, report.would_alert = _findings(engine, since, until)
    return report


def _inside(moment: datetime | None, since: datetime | None, until: datetime) -> bool:
    if moment is None:
        return since is None
    return (since is None or moment >= since) and moment <= until


def _file_source(session: Session, path: Path, now: datetime) -> Source:
    """History files are sources of their own, never polled."""
    name = f"file:{path.name}"
    src = session.exec(select(Source).where(Source.name == name)).first()
    if src is None:
        uri = path.resolve().as_uri()
        src = Source(
            name=name,
            kind="file",
            url=uri,
            config_url=uri,
            interval_seconds=86400,
            next_due_at=now,
            enabled=False,
            disabled_reason="history file (wommon backfill)",
        )
        session.add(src)
        session.flush()
    return src


def _first_pending(engine: Engine) -> datetime | None:
    with Session(engine) as session:
        return session.exec(
            select(Mention.published_at)
            .where(col(Mention.historical), col(Mention.detected_at).is_(None))
            .order_by(col(Mention.published_at))
            .limit(1)
        ).first()


def _rescore(
    engine: Engine, analyzer: Analyzer, since: datetime | None, until: datetime, now: datetime
) -> int:
    """Score stored mentions again (after a config or model change) and rebuild the
    historical incidents of the window from the new scores. Live incidents are left as
    they are: what was alerted stays alerted."""
    window = [col(Mention.published_at) <= until]
    if since is not None:
        window.append(col(Mention.published_at) >= since)
    with transaction(engine) as session:
        rows = session.exec(
            select(Mention, Source.brand)
            .join(Source, col(Source.id) == col(Mention.source_id))
            .where(*window)
        ).all()
        for mention, source_brand in rows:
            result = analyzer.analyze_text(mention.title, mention.text, source_brand)
            mention.brand, mention.language = result.brand, result.language
            mention.sentiment, mention.negative = result.sentiment, result.negative
            mention.analyzed_at = now
            session.add(mention)
        stale = select(Incident.id).where(
            col(Incident.historical), col(Incident.first_seen) <= until
        )
        if since is not None:
            stale = stale.where(col(Incident.first_seen) >= since)
        ids = list(session.exec(stale))
        if ids:
            session.execute(
                update(Mention)
                .where(col(Mention.incident_id).in_(ids))
                .values(incident_id=None, detected_at=None)
            )
            session.execute(delete(Outbox).where(col(Outbox.incident_id).in_(ids)))
            session.execute(delete(Incident).where(col(Incident.id).in_(ids)))
        session.execute(
            update(Mention)
            .where(col(Mention.historical), *window)
            .values(incident_id=None, detected_at=None)
        )
        return len(rows)


def _findings(
    engine: Engine, since: datetime | None, until: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with Session(engine) as session:
        query = select(Incident).where(col(Incident.historical), col(Incident.first_seen) <= until)
        if since is not None:
            query = query.where(col(Incident.first_seen) >= since)
        incidents = list(session.exec(query.order_by(col(Incident.first_seen))))
        ids = [i.id for i in incidents]
        alerts = list(
            session.exec(
                select(Outbox)
                .where(col(Outbox.incident_id).in_(ids), Outbox.kind == "open")
                .order_by(col(Outbox.created_at))
            )
        )
    by_id = {i.id: i for i in incidents}
    return (
        [
            {
                "id": i.id,
                "brand": i.brand,
                "story": i.label,
                "mentions": i.mentions,
                "sources": i.sources,
                "first_seen": i.first_seen.isoformat(),
                "state": i.state,
            }
            for i in incidents
        ],
        [
            {
                "incident": a.incident_id,
                "story": by_id[a.incident_id].label if a.incident_id in by_id else "",
                "at": a.created_at.isoformat(),
                "status": a.status,
                "mentions": json.loads(a.payload).get("mentions"),
            }
            for a in alerts
        ],
    )
