"""`wommon backfill`: load history, re-score it, and show what would have fired.

History goes into the same tables flagged `historical`, is analysed like live mentions,
and detection replays it in time order on a simulated clock, building incidents of its
own. The alerts it would have raised are recorded as "suppressed" outbox rows — the
report, kept — and sent only with `alert=True`. Live detection never looks at history,
so old news never alerts by itself later. Every step is idempotent: running it twice adds
nothing, and an interrupted run continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon.analyze.analyzer import Analyzer, Item
from wommon.analyze.step import analyze_pending
from wommon.clock import Clock, SimulatedClock
from wommon.collect.entry import Entry, ParsedFeed, canonical_url
from wommon.collect.history import read_history, read_opml
from wommon.collect.http import FetchLimits, fetch, new_session
from wommon.collect.insert import domain, insert_entries
from wommon.collect.paging import pages
from wommon.collect.parsers import parse
from wommon.collect.sources import history_source, sync_sources
from wommon.config import Settings
from wommon.detect.detector import detect_pending
from wommon.detect.history import forget_history
from wommon.errors import ConfigError, FetchError, ParseError
from wommon.runs.findings import FoundAlert, FoundIncident, baselines, findings
from wommon.store import tally
from wommon.store.db import reading, transaction
from wommon.store.models import Mention, Source
from wommon.wording import plural

# Detection replays history in steps of this much simulated time.
REPLAY_STEP = timedelta(hours=1)
# Pages read back per feed at most: 200 pages of a typical 20-50 entries is years of a blog.
MAX_PAGES = 200


# Rows of a history file stored per transaction (and per progress step).
FILE_CHUNK = 1000


class Progress(Protocol):
    """What backfill reports as it goes; the CLI draws bars on a terminal, lines elsewhere."""

    def note(self, line: str) -> None: ...

    def page(self, source: str, entries: int, new: int) -> None: ...

    def source_done(self, source: str) -> None: ...


class _Silent:
    def note(self, line: str) -> None:
        return

    def page(self, source: str, entries: int, new: int) -> None:
        return

    def source_done(self, source: str) -> None:
        return


class _DryRun(Exception):
    """Raised to roll back what a dry run wrote, after counting it (its one argument)."""


@dataclass
class BackfillReport:
    fetched: int = 0
    new: int = 0
    # Read but not added: stored before (from any source: same canonical URL), the same
    # post from the same site under another address (same content fingerprint), or rows
    # skipped as unreadable (their reasons are in `warnings`).
    already_stored: int = 0
    near_duplicates: int = 0
    skipped: int = 0
    rescored: int = 0
    warnings: list[str] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)
    incidents: list[FoundIncident] = field(default_factory=list)
    would_alert: list[FoundAlert] = field(default_factory=list)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "already_stored": self.already_stored,
            "near_duplicates": self.near_duplicates,
            "skipped": self.skipped,
            "rescored": self.rescored,
            "incidents": len(self.incidents),
            "would_alert": len(self.would_alert),
            "incident_list": [asdict(i) for i in self.incidents],
            "alerts": [asdict(a) for a in self.would_alert],
            "baselines": self.baselines,
        }


def backfill(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    *,
    files: Sequence[Path] = (),
    sources: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    rescore: bool = False,
    alert: bool = False,
    dry_run: bool = False,
    max_pages: int = MAX_PAGES,
    progress: Progress | None = None,
    dayfirst: bool = False,
    mapping: dict[str, str] | None = None,
) -> BackfillReport:
    report = BackfillReport()
    shown = progress or _Silent()
    now = clock.now()
    until = min(until or now, now)
    feeds = _feeds(engine, settings, sources, now)
    for path in files:
        if path.suffix.lower() == ".opml":
            feeds += _opml_feeds(engine, settings, path, now, report)
            continue
        entries, warnings = read_history(path, dayfirst=dayfirst, mapping=mapping)
        report.warnings += warnings
        report.skipped += len(warnings)
        entries = [e for e in entries if _inside(e.published_at, since, until)]
        report.fetched += len(entries)
        with transaction(engine) as session:
            source_id = _file_source(session, path, now).id or 0
        for offset in range(0, len(entries), FILE_CHUNK):
            chunk = entries[offset : offset + FILE_CHUNK]
            added = _store(engine, source_id, chunk, now, dry_run, report)
            report.new += added
            shown.page(path.name, len(chunk), added)
        shown.source_done(path.name)
        shown.note(
            f"{path}: {plural(len(entries), 'entry', 'entries')} read, {len(warnings)} skipped"
        )
    if feeds:
        _page_feeds(engine, settings, feeds, since, until, now, dry_run, max_pages, shown, report)
    if dry_run:
        return report
    analyzer = Analyzer.for_brands(settings.brands, settings.detect, settings.analyze)
    while analyze_pending(engine, analyzer, now):
        pass
    if rescore:
        report.rescored = _rescore(engine, analyzer, since, until, now)
        shown.note(f"re-scored {plural(report.rescored, 'mention')}")
    start = since or _first_pending(engine)
    if start is not None:
        replay = SimulatedClock(start)
        while True:
            while detect_pending(
                engine, settings.detect, settings.brands, replay.now(), historical=True, alert=alert
            ).full:
                pass
            if replay.now() >= until:
                break
            replay.set(min(replay.now() + REPLAY_STEP, until))
        shown.note(f"replayed detection from {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC")
    report.incidents, report.would_alert = findings(engine, since, until)
    report.baselines = baselines(engine)
    return report


def _feeds(
    engine: Engine, settings: Settings, names: Sequence[str], now: datetime
) -> list[tuple[int, str, str, str]]:
    """(source id, name, url, kind) of the configured sources to page back through."""
    if not names:
        return []
    with transaction(engine) as session:
        sync_sources(session, settings.sources, now)
        rows = list(session.exec(select(Source).where(col(Source.enabled))))
    known = {src.name: src for src in rows}
    wanted = list(known) if list(names) == ["all"] else list(names)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ConfigError(
            f"--source: no configured source named {', '.join(map(repr, unknown))} "
            f"(sources: {', '.join(sorted(known)) or 'none'}; or --source all)"
        )
    return [(known[n].id or 0, n, known[n].url, known[n].kind) for n in wanted]


def _opml_feeds(
    engine: Engine, settings: Settings, path: Path, now: datetime, report: BackfillReport
) -> list[tuple[int, str, str, str]]:
    """The feeds an OPML list names, as history sources of their own; the TOML to poll
    them from now on is reported, since the config decides what the daemon watches. A
    feed the config already watches (same canonical URL) is paged through as that source,
    and not suggested again."""
    feeds = []
    configured = {canonical_url(s.url): s.name for s in settings.sources}
    with transaction(engine) as session:
        sync_sources(session, settings.sources, now)
        for title, url in read_opml(path):
            watched = configured.get(canonical_url(url))
            if watched is not None:
                known = session.exec(select(Source).where(Source.name == watched)).one()
                feeds.append((known.id or 0, watched, known.url, known.kind))
                continue
            name = f"opml:{title}"[:200]
            reason = "history feed from an OPML list (add it to the config)"
            src = history_source(session, name, "rss", url, reason, now)
            feeds.append((src.id or 0, name, url, "rss"))
            report.suggested.append(f'[[sources]]\nname = "{title}"\nkind = "rss"\nurl = "{url}"')
    return feeds


def _page_feeds(
    engine: Engine,
    settings: Settings,
    feeds: list[tuple[int, str, str, str]],
    since: datetime | None,
    until: datetime,
    now: datetime,
    dry_run: bool,
    max_pages: int,
    shown: Progress,
    report: BackfillReport,
) -> None:
    limits = FetchLimits.from_settings(settings.collect)
    with new_session(limits) as http:
        for source_id, name, url, kind in feeds:

            def fetch_page(page_url: str, kind: str = kind) -> ParsedFeed:
                result = fetch(http, page_url, limits)
                return parse(
                    kind, result.content or b"", url=result.url, content_type=result.content_type
                )

            try:
                for _, feed in pages(url, kind, fetch_page, max_pages, report.warnings.append):
                    entries = [e for e in feed.entries if _inside(e.published_at, since, until)]
                    report.fetched += len(entries)
                    new = _store(engine, source_id, entries, now, dry_run, report)
                    report.new += new
                    shown.page(name, len(entries), new)
                    dates = [e.published_at for e in feed.entries if e.published_at]
                    if since is not None and dates and max(dates) < since:
                        break
            except (FetchError, ParseError) as exc:
                report.warnings.append(f"{name}: {exc}")
            shown.source_done(name)


def _store(
    engine: Engine,
    source_id: int,
    entries: list[Entry],
    now: datetime,
    dry_run: bool,
    report: BackfillReport,
) -> int:
    """Store what is not stored yet, counting the rest in `report`: an entry already
    stored from any source (same canonical URL, or same content from the same site) is
    not added again, so history over feeds the daemon watches copies nothing."""
    try:
        with transaction(engine) as session:
            src = session.get(Source, source_id)
            assert src is not None
            fresh, known, copies = _unseen(session, entries)
            report.already_stored += known
            report.near_duplicates += copies
            added = insert_entries(session, src, fresh, now, historical=True)
            report.already_stored += len(fresh) - added
            if dry_run:
                raise _DryRun(added)
            return added
    except _DryRun as rolled_back:
        return int(rolled_back.args[0])


def _unseen(session: Session, entries: list[Entry]) -> tuple[list[Entry], int, int]:
    """The entries stored nowhere yet, and how many were: stored under their canonical URL
    by any source, or the same post (content fingerprint) from the same site."""
    addresses = {e.url: canonical_url(e.url) for e in entries if e.url}
    wanted = sorted({*addresses, *addresses.values()})
    stored: set[str] = set()
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start : start + 2000]
        for uid, url in session.exec(
            select(Mention.uid, Mention.url).where(
                or_(col(Mention.uid).in_(chunk), col(Mention.url).in_(chunk))
            )
        ):
            stored.add(uid)
            if url:
                stored.update((url, canonical_url(url)))
    fingerprints = sorted({e.fingerprint for e in entries if e.fingerprint})
    sites: set[tuple[str, str | None]] = set()
    for start in range(0, len(fingerprints), 2000):
        chunk = fingerprints[start : start + 2000]
        for fingerprint, site in session.exec(
            select(Mention.fingerprint, Mention.domain).where(col(Mention.fingerprint).in_(chunk))
        ):
            sites.add((fingerprint or "", site))
    fresh = []
    known = copies = 0
    for entry in entries:
        if entry.url and (entry.url in stored or addresses[entry.url] in stored):
            known += 1
        elif entry.fingerprint and (entry.fingerprint, domain(entry.url or "")) in sites:
            copies += 1
        else:
            fresh.append(entry)
    return fresh, known, copies


def _inside(moment: datetime | None, since: datetime | None, until: datetime) -> bool:
    if moment is None:
        return since is None
    return (since is None or moment >= since) and moment <= until


def _file_source(session: Session, path: Path, now: datetime) -> Source:
    """History files are sources of their own, never polled."""
    uri = path.resolve().as_uri()
    return history_source(
        session, f"file:{path.name}", "file", uri, "history file (wommon backfill)", now
    )


def _first_pending(engine: Engine) -> datetime | None:
    with reading(engine) as session:
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
        results = analyzer.analyze_many([Item(m.title, m.text, brand) for m, brand in rows])
        for (mention, _), result in zip(rows, results, strict=True):
            for column, value in result.columns().items():
                setattr(mention, column, value)
            mention.analyzed_at = now
            session.add(mention)
        forget_history(session, since, until)
        tally.recount(session)
        return len(rows)
