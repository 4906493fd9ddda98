"""Entries -> Mention rows, once: unique (source, uid), and near-identical content from the
same source (same SimHash) is the same entry even when its uid changed (R14-R16)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, cast, func
from sqlalchemy import select as columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from wommon.collect.entry import Entry
from wommon.store import tally
from wommon.store.models import Mention, Source

# An entry dated further ahead than this is a publisher's clock or template bug.
FUTURE_SLACK = timedelta(hours=1)
# Stored content of a source with one of these fingerprints (built once: building a
# statement costs more than running it on an index).
_KNOWN = select(Mention.fingerprint, Mention.title).where(
    col(Mention.source_id) == bindparam("source"),
    col(Mention.fingerprint).in_(bindparam("fingerprints", expanding=True)),
)
EARLIEST_YEAR = 1995


def insert_entries(
    session: Session,
    src: Source,
    entries: Iterable[Entry],
    now: datetime,
    *,
    historical: bool = False,
) -> int:
    """Insert entries not seen before; returns how many were new. Historical (backfilled)
    mentions never alert by themselves.

    An entry is the same as a stored one when its uid is, or when its content fingerprint
    and its title both are (a re-issued id): the title keeps templated posts that differ in
    a number ("Order 1041 late", "Order 1042 late") apart."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        row = _row(src, entry, now, historical)
        key = _same_content(row)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        rows.append(row)
    if not rows:
        return 0
    known = _known_content(session, src, {fp for fp, _ in seen})
    rows = [r for r in rows if _same_content(r) not in known]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    params: list[dict[str, object]] | dict[str, list[object]] = rows
    if dialect == "postgresql":
        params = {name: [r[name] for r in rows] for name in _COLUMNS}
    added = len(session.connection().execute(_inserting(dialect), params).all())
    tally.add(session, {tally.PENDING: added})
    return added


# What an entry fills in; the rest waits for analysis and detection.
_COLUMNS = (
    "source_id",
    "uid",
    "url",
    "domain",
    "author",
    "title",
    "text",
    "links",
    "fingerprint",
    "published_at",
    "fetched_at",
    "historical",
)


@cache
def _inserting(dialect: str) -> Any:
    """Built once per dialect (every fetch with news sends it).

    SQLite: one statement run over the rows, which SQLAlchemy sends as multi-row INSERTs.
    PostgreSQL: one statement over one array per column, unnested into rows. A multi-row
    VALUES has a placeholder per value, and psycopg parses a statement that long again on
    every call (it caches only short ones): that parsing was half of storing a feed."""
    if dialect != "postgresql":
        return (
            sqlite.insert(Mention)
            .on_conflict_do_nothing(index_elements=["source_id", "uid"])
            .returning(col(Mention.id))
        )
    table = Mention.__table__  # type: ignore[attr-defined]
    arrays = [cast(bindparam(name), postgresql.ARRAY(table.c[name].type)) for name in _COLUMNS]
    entries = func.unnest(*arrays).table_valued(*_COLUMNS).render_derived()
    return (
        postgresql.insert(Mention)
        .from_select(list(_COLUMNS), columns(*entries.c))
        .on_conflict_do_nothing(index_elements=["source_id", "uid"])
        .returning(col(Mention.id))
    )


def _same_content(row: dict[str, object]) -> tuple[str, str] | None:
    fingerprint = row["fingerprint"]
    return (str(fingerprint), str(row["title"])) if fingerprint else None


def _known_content(session: Session, src: Source, fps: set[str]) -> set[tuple[str, str]]:
    if not fps:
        return set()
    found = session.execute(_KNOWN, {"source": src.id, "fingerprints": sorted(fps)})
    return {(fp, title) for fp, title in found if fp}


def _row(src: Source, entry: Entry, now: datetime, historical: bool) -> dict[str, object]:
    published = entry.published_at
    if published is None or published > now + FUTURE_SLACK or published.year < EARLIEST_YEAR:
        published = now
    return {
        "source_id": src.id,
        "uid": entry.uid,
        "url": entry.url,
        "domain": domain(entry.url or src.url),
        "author": entry.author,
        "title": entry.title,
        "text": entry.text,
        "links": json.dumps(list(entry.links)),
        "fingerprint": entry.fingerprint,
        "published_at": published,
        "fetched_at": now,
        "historical": historical,
    }


def domain(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None
