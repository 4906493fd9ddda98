"""The detection step: analysed mentions -> incidents -> decisions -> outbox rows.

One transaction per run: mentions are marked detected, incidents updated and alerts queued
together, so a crash repeats the whole step rather than half of it. Each mention updates
its incident's figures incrementally (the spread model's state lives on the row), so a run
costs what its new mentions cost, not what the open stories hold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, exists, literal, union, union_all, update
from sqlalchemy import select as columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon import logs
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.passage import about_brand
from wommon.config import BrandSettings, DetectSettings
from wommon.detect import counts, joinable
from wommon.detect.cluster import StoryIndex, key_terms, terms
from wommon.detect.joinable import Joinable
from wommon.detect.lookups import PENDING_COLUMNS, Lookups, Pending
from wommon.detect.meanings import Meaning, Meanings
from wommon.detect.review import review
from wommon.detect.rows import IncidentRow, IncidentRows
from wommon.detect.tally import Tallies, join
from wommon.detect.voices import novelty
from wommon.detect.warm import WarmStories, story_of
from wommon.store import bulk
from wommon.store.db import transaction
from wommon.store.enums import OPEN_STATES, Status
from wommon.store.hours import hour_of
from wommon.store.locks import try_xact_lock
from wommon.store.models import Incident, Mention, MutedSite, Source
from wommon.store.prepared import Prepared

log = logs.events("wommon.detect")


@dataclass(frozen=True)
class DetectReport:
    mentions: int
    incidents_opened: int
    alerts_queued: int
    # A brand had more pending than one batch takes: run again at once.
    full: bool = False

    def __add__(self, other: DetectReport) -> DetectReport:
        """The brands of one run summed: more is waiting when any brand says so. (A loop
        draining a backlog asks each run's own report, not the running total.)"""
        return DetectReport(
            self.mentions + other.mentions,
            self.incidents_opened + other.incidents_opened,
            self.alerts_queued + other.alerts_queued,
            self.full or other.full,
        )


def detect_pending(
    engine: Engine,
    cfg: DetectSettings,
    brands: tuple[BrandSettings, ...],
    now: datetime,
    limit: int = 2000,
    *,
    historical: bool = False,
    alert: bool = True,
    stories: WarmStories | None = None,
) -> DetectReport:
    """Group pending mentions and decide. Live and historical (backfilled) mentions are
    detected apart: history replays on a simulated clock (`now` walks through it, and only
    mentions published by then are taken), builds its own incidents, and its alerts are
    recorded as "suppressed" unless `alert` asks for them to be sent.

    One brand at a time, each in its own transaction under that brand's advisory lock,
    taken without waiting: a brand another daemon is detecting is left to it, and what is
    decided on is read after the lock is held, so two daemons never open the same story
    twice. Up to `limit` mentions a brand; `full` says when more are waiting. A process
    that detects run after run passes its `stories`: the grouping index, kept warm."""
    brand_words, names = _names(brands)
    warm = stories or WarmStories()
    configured = tuple(b.name for b in brands)
    report = DetectReport(0, 0, 0)
    # Which brands are due is read in the first brand's transaction: a run that finds one
    # brand due (the usual case) costs one transaction, not two.
    to_review: list[str] | None = None
    while to_review is None or to_review:
        with transaction(engine) as session:
            if to_review is None:
                to_review, unbranded = _brands_to_review(session, now, historical, configured)
                if unbranded:
                    report += DetectReport(_mark_unbranded(session, now, historical), 0, 0)
                if not to_review:
                    break
            brand = to_review.pop(0)
            if not try_xact_lock(session, "detect", brand):
                continue
            report += _detect_brand(
                session,
                brand,
                brand_words.get(brand, []),
                names.terms(brand),
                cfg,
                now,
                limit,
                historical,
                alert,
                warm,
            )
    return report


@cache
def _names(
    brands: tuple[BrandSettings, ...],
) -> tuple[dict[str, list[str]], BrandMatcher]:
    """Each brand's words (they weigh nothing in grouping) and its names' pattern, built
    once per configuration rather than at every run."""
    words = {b.name: [w for t in b.terms for w in t.split()] for b in brands}
    return words, BrandMatcher(brands)


def _pending(historical: bool) -> list[Any]:
    """What makes a mention wait for detection; history's waits until `:now` reaches it."""
    conditions: list[Any] = [
        col(Mention.analyzed_at).is_not(None),
        col(Mention.detected_at).is_(None),
        col(Mention.historical).is_(historical),
    ]
    if historical:
        conditions.append(col(Mention.published_at) <= bindparam("now"))
    return conditions


# The statements of every run, built once (building one costs more than running it on an
# index); the two variants are live and history.


@cache
def _brands(historical: bool, configured: tuple[str, ...]) -> Prepared:
    """Brands with mentions to group (None: mentions of no watched brand), and brands with
    open incidents (they cool and resolve with time), in one statement.

    Live, the queue holds only what was collected and not yet detected: its distinct
    brands are read from it. History's queue also holds everything published after `now`
    (a backfill or a replay stores it all before walking the clock through it), so reading
    its brands would walk all of it at every step: each brand is asked instead whether
    anything of its is due, one step into the queue's index each."""
    open_brands = select(Incident.brand).where(
        col(Incident.historical).is_(historical), joinable.state_in(OPEN_STATES)
    )
    if not historical:
        return Prepared(union(select(Mention.brand).where(*_pending(historical)), open_brands))

    def due(brand: str | None) -> Any:
        of_brand = col(Mention.brand).is_(None) if brand is None else col(Mention.brand) == brand
        return select(literal(brand, String)).where(exists().where(*_pending(historical), of_brand))

    return Prepared(union_all(*(due(b) for b in (*configured, None)), open_brands.distinct()))


@cache
def _batch(historical: bool) -> Prepared:
    """The brand's next pending mentions, with their source's weight and whether their
    site is muted for the brand (it no longer counts)."""
    muted = exists().where(
        col(MutedSite.brand) == col(Mention.brand), col(MutedSite.domain) == col(Mention.domain)
    )
    return Prepared(
        columns(*PENDING_COLUMNS, col(Source.weight), muted.label("muted"))
        .join(Source, col(Source.id) == col(Mention.source_id))
        .where(*_pending(historical), col(Mention.brand) == bindparam("brand"))
        .order_by(col(Mention.published_at), col(Mention.id))
        .limit(bindparam("limit"))
    )


def _mark_unbranded(session: Session, now: datetime, historical: bool) -> int:
    """Mentions of no watched brand have nothing to group: marked detected in one go."""
    result = session.connection().execute(
        update(Mention)
        .where(*_pending(historical), col(Mention.brand).is_(None))
        .values(detected_at=now),
        {"now": now},
    )
    return int(result.rowcount or 0)


def _brands_to_review(
    session: Session, now: datetime, historical: bool, configured: tuple[str, ...]
) -> tuple[list[str], bool]:
    """Brands with mentions to group or open incidents; and whether mentions of no brand
    are pending."""
    found = _brands(historical, configured).scalars(session.connection(), {"now": now})
    return sorted({b for b in found if b}), None in found


def _detect_brand(
    session: Session,
    brand: str,
    words_of_brand: list[str],
    names: re.Pattern[str] | None,
    cfg: DetectSettings,
    now: datetime,
    limit: int,
    historical: bool,
    alert: bool,
    stories: WarmStories,
) -> DetectReport:
    # Plain rows are read on the connection: the ORM's bookkeeping costs more than they do.
    connection = session.connection()
    rows = _batch(historical).rows(connection, {"now": now, "brand": brand, "limit": limit})
    # The row holds Pending's fields in their order (PENDING_COLUMNS, weight, muted).
    pending = [Pending(*(*r[:-3], bool(r.negative), r.weight, bool(r.muted))) for r in rows]
    joinable_now = joinable.read(connection, brand, historical, now, cfg)
    grouping = joinable_now.incidents
    incidents = IncidentRows(session)
    lookups = Lookups.load(connection, [m for m in pending if m.negative], grouping)
    key = (brand, historical)
    index = stories.index(key, grouping, cfg.similarity, cfg.semantic_similarity)
    touched: set[int] = set()
    tallies = Tallies()
    # Every hour the run touched, and how many of its mentions there count as negative.
    counted: Counter[datetime] = Counter({hour_of(m.published_at): 0 for m in pending})
    opened = 0
    counting = [m for m in pending if m.negative and not m.muted]
    # A mention is grouped by what it says of the brand, as analysis judged it: the rest
    # of a long post would bring its own words and dilute its meaning.
    texts = [" ".join(about_brand(m.title, m.text, names)) for m in counting]
    words_of = [frozenset(key_terms(terms(t, words_of_brand))) for t in texts]

    def unplaced(i: int) -> bool:
        mention = counting[i]
        return not (
            lookups.copies_of(mention)
            or lookups.linked_from(mention)
            or index.by_terms(brand, words_of[i])
        )

    meanings = Meanings(texts, unplaced)
    joined: dict[int, int] = {}
    for i, mention in enumerate(counting):
        counted[hour_of(mention.published_at)] += 1
        words = words_of[i]
        meaning = meanings.of(i)
        found, copy = _existing(lookups, mention, grouping, index, words, meaning)
        if found is None:
            incident = _open(incidents, mention, words, now, historical)
            grouping[incident.id] = incident
            index.add(story_of(incident))
            opened += 1
            meaning()
        else:
            incident = incidents.get(found)
        new_site, novelty = _novelty(lookups, incident.id, mention)
        voice = 0.0 if copy else mention.weight * novelty
        centroid = join(tallies, incident, mention, voice, new_site and not copy, meaning.vector)
        if centroid is not None:
            index.move(incident.brand, incident.id, centroid)
        joined[mention.id] = incident.id
        lookups.joined(incident.id, mention)
        touched.add(incident.id)
    _mark_detected(session, pending, joined, now)
    stories.changed(key, touched)
    tallies.save()
    # The surprise is read only for incidents a mention joined; with none, nothing counted.
    found_surprise = counts.count(session, key, counted, now, stories.rates) if touched else None
    status = Status.SUPPRESSED if historical and not alert else Status.PENDING
    queued = 0
    for story_id in grouping:
        fresh = story_id in touched
        # An incident no mention joined is loaded only when time may change it.
        if not fresh and story_id not in joinable_now.time_may_change:
            continue
        reviewed = incidents.get(story_id)
        if reviewed.state not in OPEN_STATES:
            continue
        if fresh and found_surprise is not None:
            reviewed.surprise = found_surprise.level
        queued += review(session, reviewed, cfg, now, status, fresh)
    incidents.save()
    return DetectReport(len(pending), opened, queued, full=len(pending) >= limit)


def _mark_detected(
    session: Session, pending: list[Pending], joined: dict[int, int], now: datetime
) -> None:
    """The run's mentions marked detected, with the incident each joined (none for the
    rest), in one statement written before the review reads the incidents' mentions."""
    bulk.update_by_id(
        session,
        Mention,
        [{"id": m.id, "detected_at": now, "incident_id": joined.get(m.id)} for m in pending],
    )


def _existing(
    lookups: Lookups,
    mention: Pending,
    grouping: Mapping[int, Joinable],
    index: StoryIndex,
    words: frozenset[str],
    meaning: Meaning,
) -> tuple[int | None, bool]:
    """The incident `mention` joins, and whether it is a copy of a mention already there.

    A copy of a mention (same fingerprint) and a post linking to one join its incident
    first; otherwise the story index decides by words and meaning."""

    def open_one(found: Iterable[int]) -> int | None:
        for incident_id in found:
            incident = grouping.get(incident_id)
            if incident is not None and incident.brand == mention.brand:
                return incident_id
        return None

    incident = open_one(lookups.copies_of(mention))
    if incident is not None:
        return incident, True
    incident = open_one(lookups.linked_from(mention))
    if incident is not None:
        return incident, False
    match = index.match(mention.brand or "", words, meaning)
    return (match.incident_id, False) if match else (None, False)


def _novelty(lookups: Lookups, incident_id: int, mention: Pending) -> tuple[bool, float]:
    """Whether the mention's site is new to the incident, and how new its voice is."""
    site_heard = lookups.heard_site(incident_id, mention)
    weight = novelty(
        mention.domain, mention.author, site_heard, lookups.heard_author(incident_id, mention)
    )
    return bool(mention.domain) and not site_heard, weight


def _open(
    incidents: IncidentRows,
    seed: Pending,
    words: frozenset[str],
    now: datetime,
    historical: bool,
) -> IncidentRow:
    label = seed.title or seed.text[:120]
    incident = incidents.open(
        brand=seed.brand or "",
        label=label[:300],
        key_terms=" ".join(sorted(words)),
        seed_mention_id=seed.id,
        historical=historical,
        first_seen=seed.published_at,
        last_seen=seed.published_at,
        updated_at=now,
    )
    (log.debug if historical else log.info)(
        "incident_opened", incident=incident.id, brand=incident.brand
    )
    return incident
