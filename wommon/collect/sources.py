"""Config -> Source rows: the configured feeds become the work list the poller claims from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from wommon.config import SourceSettings
from wommon.store.models import Source


def sync_sources(session: Session, configured: Iterable[SourceSettings], now: datetime) -> None:
    """Add new sources, update changed ones, disable removed ones (their history stays)."""
    wanted = {cfg.name: cfg for cfg in configured}
    existing = {src.name: src for src in session.exec(select(Source))}
    for name, cfg in wanted.items():
        src = existing.get(name)
        if src is None:
            session.add(
                Source(
                    name=name,
                    kind=cfg.kind,
                    url=cfg.url,
                    brand=cfg.brand,
                    weight=cfg.weight,
                    interval_seconds=cfg.interval_seconds,
                    next_due_at=now,
                )
            )
            continue
        if src.url != cfg.url:
            src.etag = src.last_modified = None
            src.consecutive_failures = 0
            src.next_due_at = now
        src.kind, src.url, src.brand = cfg.kind, cfg.url, cfg.brand
        src.weight, src.interval_seconds = cfg.weight, cfg.interval_seconds
        if not src.enabled:
            src.enabled, src.next_due_at = True, now
        session.add(src)
    for name, src in existing.items():
        if name not in wanted and src.enabled:
            src.enabled = False
            session.add(src)
