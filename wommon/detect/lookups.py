"""What grouping needs to know about the mentions already stored, loaded for a whole batch.

A mention joins the incident of a copy of it (same fingerprint) or of a post it links to,
and its voice counts less when its site or author was heard in that incident before. Asked
per mention, that is four queries a mention; here it is three queries a batch, kept up to
date in memory as the batch's own mentions join their incidents, so a mention later in the
batch sees the ones before it exactly as if they had been stored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from wommon.collect.entry import canonical_url
from wommon.store import inlists
from wommon.store.models import Mention
from wommon.store.prepared import Prepared

# Copies of a much-copied text: the newest few say which open incident holds them.
LOOKUPS = 20
# Links followed per mention.
LINKS = 50
# Bound parameters per IN list (SQLite allows 32,766 in all): a size statements are built for.
_CHUNK = 4096


@dataclass(frozen=True)
class Pending:
    """A mention waiting for detection: the columns grouping reads, and its source's
    weight. Read as plain rows rather than ORM objects, so that marking a batch detected
    is one bulk update, not a unit of work tracking every row."""

    id: int
    uid: str
    title: str
    text: str
    brand: str | None
    domain: str | None
    author: str | None
    fingerprint: str | None
    links: str
    published_at: datetime
    negative: bool
    weight: float
    # Its site is muted for the brand: it is detected but counts nowhere.
    muted: bool = False


# What a Pending is read from, in its fields' order (its source's weight and whether its
# site is muted follow): a row becomes a Pending by position, with no mapping built.
PENDING_COLUMNS: tuple[Any, ...] = tuple(
    getattr(Mention, f.name) for f in fields(Pending) if f.name not in ("weight", "muted")
)


@cache
def _copies(size: int) -> Prepared:
    """The newest copies of up to `size` fingerprints, with their incidents."""
    rank = (
        func.row_number()
        .over(partition_by=col(Mention.fingerprint), order_by=col(Mention.id).desc())
        .label("rank")
    )
    newest = (
        select(Mention.fingerprint, Mention.id, Mention.incident_id, rank)
        .where(
            inlists.among(col(Mention.fingerprint), "fingerprint", size),
            col(Mention.incident_id).is_not(None),
        )
        .subquery()
    )
    return Prepared(
        select(newest.c.fingerprint, newest.c.id, newest.c.incident_id).where(
            newest.c.rank <= LOOKUPS
        )
    )


@cache
def _linked(size: int) -> Prepared:
    """The incidents holding the mentions of up to `size` uids."""
    return Prepared(
        select(Mention.uid, Mention.incident_id).where(
            inlists.among(col(Mention.uid), "uid", size),
            col(Mention.incident_id).is_not(None),
        )
    )


@cache
def _heard(incidents: int, domains: int) -> Prepared:
    """Which of up to `domains` sites, and their authors, up to `incidents` incidents hold."""
    return Prepared(
        select(Mention.incident_id, Mention.domain, Mention.author)
        .where(
            inlists.among(col(Mention.incident_id), "incident", incidents),
            inlists.among(col(Mention.domain), "domain", domains),
        )
        .distinct()
    )


def _ask(
    connection: Connection, statement: Callable[[int], Prepared], name: str, items: list[Any]
) -> list[Any]:
    """`statement` (built by size) asked about `items`."""
    size = inlists.size_for(len(items))
    return statement(size).rows(connection, inlists.values(name, items, size))


def linked_uids(mention: Pending) -> list[str]:
    return [canonical_url(u) for u in json.loads(mention.links or "[]")][:LINKS]


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Lookups:
    def __init__(self) -> None:
        # fingerprint -> (mention id, incident) of the copies stored
        self.copies: dict[str, list[tuple[int, int]]] = defaultdict(list)
        # uid -> incidents holding the mention with that uid
        self.linked: dict[str, list[int]] = defaultdict(list)
        # incident -> domains heard, (domain, author) pairs heard
        self.domains: dict[int, set[str | None]] = defaultdict(set)
        self.authors: dict[int, set[tuple[str | None, str | None]]] = defaultdict(set)
        # mention -> the uids it links to, parsed once a run (a run asks up to three times)
        self.links: dict[int, list[str]] = {}

    @classmethod
    def load(
        cls, connection: Connection, batch: Sequence[Pending], incidents: Iterable[int]
    ) -> Lookups:
        found = cls()
        fingerprints = {m.fingerprint for m in batch if m.fingerprint}
        for chunk in _chunks(fingerprints):
            for fingerprint, mention_id, incident_id in _ask(
                connection, _copies, "fingerprint", chunk
            ):
                found.copies[fingerprint or ""].append((mention_id or 0, incident_id or 0))
        found.links = {m.id: linked_uids(m) for m in batch}
        uids = {uid for links in found.links.values() for uid in links}
        for chunk in _chunks(uids):
            for uid, incident_id in _ask(connection, _linked, "uid", chunk):
                if incident_id is not None and len(found.linked[uid]) < LOOKUPS:
                    found.linked[uid].append(incident_id)
        domains = {m.domain for m in batch if m.domain}
        for ids in _chunks(incidents) if domains else ():
            of_ids = inlists.size_for(len(ids))
            for chunk in _chunks(domains):
                size = inlists.size_for(len(chunk))
                heard = _heard(of_ids, size).rows(
                    connection,
                    inlists.values("incident", ids, of_ids) | inlists.values("domain", chunk, size),
                )
                for incident_id, domain, author in heard:
                    found.domains[incident_id or 0].add(domain)
                    found.authors[incident_id or 0].add((domain, author))
        return found

    def copies_of(self, mention: Pending) -> list[int]:
        """Incidents holding a copy, newest copy first (as many as LOOKUPS)."""
        if not mention.fingerprint:
            return []
        held = sorted(self.copies.get(mention.fingerprint, []), reverse=True)[:LOOKUPS]
        return [incident_id for _, incident_id in held]

    def linked_from(self, mention: Pending) -> list[int]:
        links = self.links.get(mention.id)
        if links is None:
            links = linked_uids(mention)
        return [i for uid in links for i in self.linked.get(uid, [])][:LOOKUPS]

    def heard_site(self, incident_id: int, mention: Pending) -> bool:
        return mention.domain in self.domains.get(incident_id, ())

    def heard_author(self, incident_id: int, mention: Pending) -> bool:
        if mention.domain is None:  # as in SQL, no site matches an unknown one
            return False
        return (mention.domain, mention.author) in self.authors.get(incident_id, ())

    def joined(self, incident_id: int, mention: Pending) -> None:
        """`mention` is now in `incident_id`: later mentions of the batch see it."""
        if mention.fingerprint:
            self.copies[mention.fingerprint].append((mention.id or 0, incident_id))
        self.linked[mention.uid].append(incident_id)
        self.domains[incident_id].add(mention.domain)
        self.authors[incident_id].add((mention.domain, mention.author))
