"""Config -> Source rows: the configured feeds become the work list the poller claims from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from wommon.config import SourceSettings
from wommon.store.locks import xact_lock
from wommon.store.models import Source

REMOVED = "removed from the config"


def history_source(
    session: Session, name: str, kind: str, url: str, reason: str, now: datetime
) -> Source:
    """The source that history from a file, an OPML feed or a replay is stored under:
    found by name, or made never to be polled (disabled, with `reason`)."""
    src = session.exec(select(Source).where(Source.name == name)).first()
    if src is None:
        src = Source(
            name=name,
            kind=kind,
            url=url,
            config_url=url,
            interval_seconds=86400,
            next_due_at=now,
            enabled=False,
            disabled_reason=reason,
        )
        session.add(src)
        session.flush()
    return src


def sync_sources(session: Session, configured: Iterable[SourceSettings], now: datetime) -> None:
    """Add new sources, update changed ones, disable removed ones (their history stays).

    A source disabled by its server (410 Gone) stays disabled until its URL changes in the
    config: restarting the daemon must not bring back a feed its publisher deleted.
    """
    # Daemons starting (or reloading) together sync one at a time: each sees the rows the
    # one before added, instead of inserting the same names.
    xact_lock(session, "sync-sources")
    wanted = {cfg.name: cfg for cfg in configured}
    existing = {src.name: src for src in session.exec(select(Source))}
    for name, cfg in wanted.items():
        src = existing.get(name)
        if src is None:
            src = Source(
                name=name,
                kind=cfg.kind,
                url=cfg.url,
                config_url=cfg.url,
                interval_seconds=cfg.interval_seconds,
                next_due_at=now,
            )
        elif src.config_url != cfg.url:
            src.url = src.config_url = cfg.url
            src.etag = src.last_modified = src.last_error = None
            src.consecutive_failures = 0
            src.enabled, src.disabled_reason = True, None
            src.next_due_at = now
        elif not src.enabled and src.disabled_reason == REMOVED:
            src.enabled, src.disabled_reason = True, None
            src.next_due_at = now
        src.kind, src.brand = cfg.kind, cfg.brand
        src.weight, src.interval_seconds = cfg.weight, cfg.interval_seconds
        session.add(src)
    for name, src in existing.items():
        if name not in wanted and src.enabled:
            src.enabled, src.disabled_reason = False, REMOVED
            session.add(src)
