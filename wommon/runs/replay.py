"""`wommon replay`: real spreading, replayed through the real analyze and detect stages.

Each story of a cascades file (`story,title,share_unix_s`: every share time of one story)
becomes, share by share, a negative mention of a watched brand from its own author and
site, worded as a complaint built from the story's title. The mentions are collected,
analysed and detected on a simulated clock that jumps from one detection tick with news
to the next, so years of history take minutes. In the same run the same mentions feed two
rules people use today (anchors.py), and each is scored the same way: how many of the
stories that went viral it flagged early, how many of its flags were right, how early.
"""

from __future__ import annotations

import json
import resource
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from wommon.analyze.analyzer import Analyzer
from wommon.analyze.step import analyze_pending
from wommon.collect.entry import Entry, fingerprint
from wommon.collect.insert import insert_entries
from wommon.collect.sources import history_source
from wommon.config import DetectSettings
from wommon.detect.detector import detect_pending
from wommon.detect.spread import SpreadState, outlook
from wommon.detect.warm import WarmStories
from wommon.errors import ConfigError
from wommon.runs.anchors import huginn_peaks, spike_alerts
from wommon.runs.cascades import BRAND, Cascade, Share, mention_text, shares, ticks
from wommon.runs.scoring import Forecast, ReplayResult, score
from wommon.store.db import make_engine, reading, redact, transaction, upgrade
from wommon.store.models import Incident, Mention, Outbox, Source

FORECAST_AFTER = timedelta(hours=24)
# Shares stored, and analysed, per transaction while loading: fewer than the embeddings
# kept (analyze/embed.py), so detection still finds the ones analysis computed.
LOAD_CHUNK = 2000


def replay(
    cascades: list[Cascade],
    database_url: str,
    *,
    viral: int = 200,
    detect: DetectSettings | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ReplayResult:
    """Replay `cascades` into a fresh database at `database_url` and score every rule;
    `progress` hears how many shares were analysed (while loading), then detected."""
    import time

    started = time.perf_counter()
    cfg = (detect or DetectSettings()).model_copy(update={"viral_mentions": viral})
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with reading(engine) as session:
            if session.exec(select(Mention.id).limit(1)).first() is not None:
                raise ConfigError(
                    f"{redact(database_url)}: replay needs an empty database (this one "
                    "holds mentions, which would be scored with the replay's)"
                )
        told, forecasts, hourly, mentions = _run(engine, cascades, cfg, progress)
    finally:
        engine.dispose()
    huginn = _first_by_story(huginn_peaks(hourly.totals), hourly)
    spike = _first_by_story(spike_alerts(hourly.totals), hourly)
    return ReplayResult(
        detector=score(
            cascades,
            told.first,
            viral,
            forecasts,
            alerted=told.first_said,
            messages=told.said,
            shown_from=cfg.min_mentions,
        ),
        huginn=score(cascades, huginn, viral),
        spike=score(cascades, spike, viral),
        mentions=mentions,
        stories=len(cascades),
        seconds=time.perf_counter() - started,
        peak_memory_mb=_peak_memory_mb(),
        forecasts=forecasts,
    )


def _peak_memory_mb() -> float:
    """The process's peak resident memory (Linux counts it in KiB, macOS in bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


@dataclass
class _Hourly:
    """Mentions per hour, as keyword-counting tools see them, and per story."""

    totals: dict[datetime, int] = field(default_factory=lambda: defaultdict(int))
    stories: dict[datetime, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, share: Share) -> None:
        hour = share.at.replace(minute=0, second=0, microsecond=0)
        self.totals[hour] += 1
        self.stories[hour][share.story] += 1


def _first_by_story(alert_hours: list[datetime], hourly: _Hourly) -> dict[str, datetime]:
    """An alert on an hour's count belongs to the story most of that hour's mentions are
    about; it fires when the hour is complete."""
    first: dict[str, datetime] = {}
    for hour in alert_hours:
        counts = hourly.stories.get(hour)
        if counts:
            story = counts.most_common(1)[0][0]
            first.setdefault(story, hour + timedelta(hours=1))
    return first


def _run(
    engine: Engine,
    cascades: list[Cascade],
    cfg: DetectSettings,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[_Told, dict[str, Forecast], _Hourly, int]:
    by_story = {c.story: c for c in cascades}
    hourly = _Hourly()
    # Every story is forecast a day in, whatever it became: which stories are judged must
    # not depend on how they ended (runs/scoring.py).
    probes = sorted(
        (datetime.fromtimestamp(c.shares[0], UTC) + FORECAST_AFTER, c.story) for c in cascades
    )
    forecasts: dict[str, Forecast] = {}
    with transaction(engine) as session:
        epoch = datetime.fromtimestamp(0, UTC)
        source = history_source(session, "replay", "file", "file:///replay", "replay", epoch)
        source_id = source.id or 0
    order = shares(cascades)
    loader = _Loader(engine, source_id, cascades, order, cfg, progress)
    stories = WarmStories()
    for tick, batch in ticks(order):
        loader.through(tick)
        while probes and probes[0][0] < tick:
            at, story = probes.pop(0)
            forecasts[story] = _forecast(engine, story, at, cfg)
        for share in batch:
            hourly.add(share)
        detect_pending(
            engine,
            cfg,
            (BRAND,),
            tick,
            limit=len(batch) + 1,
            historical=True,
            alert=True,
            stories=stories,
        )
        if progress is not None:
            progress("detected", len(batch))
    for at, story in probes:
        forecasts[story] = _forecast(engine, story, at, cfg)
    return _detector_alerts(engine, by_story), forecasts, hourly, loader.stored


class _Loader:
    """Shares stored and analysed a chunk at a time, just ahead of the simulated clock, as
    `wommon backfill` loads history: the real insert and analysis steps, in batches.

    Detection takes, at each tick, only what was published by then, so it sees each share
    at the same tick as a daemon collecting it live would. Loading just ahead of it keeps
    what analysis embedded at hand when detection asks for the same passages."""

    def __init__(
        self,
        engine: Engine,
        source_id: int,
        cascades: list[Cascade],
        order: list[Share],
        cfg: DetectSettings,
        progress: Callable[[str, int], None] | None,
    ) -> None:
        self._engine = engine
        self._source_id = source_id
        self._by_story = {c.story: c for c in cascades}
        self._shares = order
        self._analyzer = Analyzer.for_brands((BRAND,), cfg)
        self._progress = progress
        self._next = 0
        # Stored as fetched when the last share was: no share is "in the future" to clamp.
        self._fetched_at = order[-1].at if order else datetime.fromtimestamp(0, UTC)
        self.stored = 0

    def through(self, tick: datetime) -> None:
        """Everything published by `tick` stored and analysed."""
        while self._next < len(self._shares) and self._shares[self._next].at <= tick:
            first = self._next
            self._next = min(first + LOAD_CHUNK, len(self._shares))
            self._load(first, self._shares[first : self._next])

    def _load(self, first: int, chunk: list[Share]) -> None:
        entries = []
        for number, share in enumerate(chunk, start=first + 1):
            title, text = mention_text(self._by_story[share.story], share.index, number)
            entries.append(
                Entry(
                    uid=f"{share.story}/{share.index}",
                    url=f"https://site{number}.example/{share.story}/{share.index}",
                    author=f"user{number}",
                    title=title,
                    text=text,
                    links=(),
                    published_at=share.at,
                    fingerprint=fingerprint(title, text),
                )
            )
        with transaction(self._engine) as session:
            src = session.get(Source, self._source_id)
            assert src is not None
            self.stored += insert_entries(session, src, entries, self._fetched_at, historical=True)
        while analysed := analyze_pending(
            self._engine, self._analyzer, self._fetched_at, limit=LOAD_CHUNK
        ):
            if self._progress is not None:
                self._progress("analysed", analysed)


def _story_of(uid: str) -> str:
    return uid.rsplit("/", 1)[0]


def _forecast(engine: Engine, story: str, at: datetime, cfg: DetectSettings) -> Forecast:
    """The detector's forecast for `story` at `at`: that of the incident holding most of
    its mentions so far, or nothing when none holds any (every mention was judged not
    negative)."""
    with reading(engine) as session:
        rows = session.exec(
            select(Mention.incident_id).where(
                col(Mention.uid).startswith(f"{story}/"), col(Mention.incident_id).is_not(None)
            )
        ).all()
        if not rows:
            return Forecast(0.0, 0.0, None, at.isoformat())
        incident_id = Counter(rows).most_common(1)[0][0]
        incident = session.get(Incident, incident_id)
        assert incident is not None
    state = SpreadState.from_json(incident.spread)
    seen = outlook(state, at, cfg.viral_mentions, when=False)
    return Forecast(
        seen.said_size, seen.said_chance, incident.spread, at.isoformat(), state.mentions
    )


@dataclass
class _Told:
    """What the detector's alerts said: when each story was first alerted, the forecast
    that first alert showed, and the forecast of every message (resolutions say none),
    each with its story."""

    first: dict[str, datetime] = field(default_factory=dict)
    first_said: dict[str, Forecast] = field(default_factory=dict)
    said: list[tuple[str, Forecast]] = field(default_factory=list)


def _detector_alerts(engine: Engine, by_story: dict[str, Cascade]) -> _Told:
    """An incident's alerts belong to the story most of its mentions come from."""
    told = _Told()
    with reading(engine) as session:
        messages = session.exec(
            select(Outbox.incident_id, Outbox.kind, Outbox.created_at, Outbox.payload).order_by(
                col(Outbox.created_at), col(Outbox.id)
            )
        ).all()
        story_of: dict[int | None, str | None] = {}
        for incident_id, kind, created, payload in messages:
            if incident_id not in story_of:
                uids = session.exec(select(Mention.uid).where(Mention.incident_id == incident_id))
                stories = Counter(_story_of(uid) for uid in uids)
                top = stories.most_common(1)[0][0] if stories else None
                story_of[incident_id] = top if top in by_story else None
            story = story_of[incident_id]
            if story is None or kind == "resolve":
                continue
            said = _shown(json.loads(payload))
            told.said.append((story, said))
            if kind == "open" and story not in told.first:
                told.first[story] = created
                told.first_said[story] = said
    return told


def _shown(payload: dict[str, Any]) -> Forecast:
    """The forecast an alert's payload showed."""
    return Forecast(
        payload.get("forecast_size") or 0.0,
        payload.get("p_viral") or 0.0,
        payload.get("spread"),
        payload.get("decided_at"),
        payload.get("mentions") or 0,
    )
