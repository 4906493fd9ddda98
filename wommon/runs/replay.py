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

import csv
import json
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon.analyze.step import Analyzer, analyze_pending
from wommon.collect.entry import Entry, fingerprint
from wommon.collect.insert import insert_entries
from wommon.collect.sources import history_source
from wommon.config import BrandSettings, DetectSettings
from wommon.detect.detector import detect_pending
from wommon.detect.spread import SpreadState, outlook
from wommon.errors import ConfigError
from wommon.runs.anchors import huginn_peaks, spike_alerts
from wommon.store.db import make_engine, redact, transaction, upgrade
from wommon.store.models import Incident, Mention, Outbox, Source
from wommon.wording import plural

BRAND = BrandSettings(name="Acme Telecom", aliases=("Acme", "@acmetelecom"))
# Complaints in the words customers use, English and Spanish; "{t}" is the story's title.
TEMPLATES = (
    "Acme Telecom and {t}: charged me twice and still no refund",
    "{t} - this is why I am done with Acme Telecom, nobody answers",
    "Still waiting for Acme Telecom to explain {t}",
    "Acme Telecom hung up on me when I asked about {t}",
    "Worst service ever from Acme Telecom: {t}",
    "Acme Telecom me colgó el teléfono otra vez. {t}",
    "Nadie de Acme Telecom responde sobre esto: {t}",
)
DETAILS = (
    "Third time I call.",
    "Ticket {n} has been open for a week.",
    "Case {n}, no answer.",
    "My order {n} never arrived either.",
    "Reclamación {n} sin respuesta.",
    "",
)
# Detection runs every minute in the daemon; the replay ticks at the same pace.
TICK = timedelta(seconds=60)
# A story is flagged early when the alert came before it reached this share of its size.
EARLY_SHARE = 0.2
FORECAST_AFTER = timedelta(hours=24)
FORECAST_MIN_SHARES = 20


@dataclass(frozen=True)
class Cascade:
    story: str
    title: str
    shares: tuple[int, ...]


def read_cascades(path: Path) -> list[Cascade]:
    """Stories of a cascades CSV; a bad row is an error naming its line."""
    csv.field_size_limit(sys.maxsize)
    cascades = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"story", "title", "share_unix_s"} - set(reader.fieldnames or ())
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                try:
                    shares = tuple(sorted(int(x) for x in row["share_unix_s"].split()))
                except ValueError:
                    raise ConfigError(
                        f"{path}:{reader.line_num}: share_unix_s must be Unix seconds "
                        "separated by spaces"
                    ) from None
                if shares:
                    cascades.append(Cascade(row["story"], row["title"] or row["story"], shares))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read cascades: {exc}") from None
    if not cascades:
        raise ConfigError(f"{path}: no stories")
    return cascades


def mention_text(cascade: Cascade, index: int, number: int) -> tuple[str, str]:
    """(title, text) of the `index`-th share of a story; `number` makes each one distinct
    (the collector keeps one copy of identical posts, and copies are one voice)."""
    template = TEMPLATES[(index + len(cascade.story)) % len(TEMPLATES)]
    detail = DETAILS[(index * 7 + number) % len(DETAILS)].format(n=100000 + number)
    signature = f"Posted by user{number} on site{number}, share {index} of this story."
    return cascade.title, f"{template.format(t=cascade.title)} {detail} {signature}"


@dataclass(frozen=True)
class Share:
    at: datetime
    story: str
    index: int


def _shares(cascades: list[Cascade]) -> list[Share]:
    shares = [
        Share(datetime.fromtimestamp(t, UTC), c.story, i)
        for c in cascades
        for i, t in enumerate(c.shares)
    ]
    shares.sort(key=lambda s: (s.at, s.story, s.index))
    return shares


def _ticks(shares: list[Share]) -> Iterator[tuple[datetime, list[Share]]]:
    """Shares grouped by the detection tick that first sees them."""
    batch: list[Share] = []
    tick: datetime | None = None
    for share in shares:
        due = _tick_of(share.at)
        if tick is not None and due != tick:
            yield tick, batch
            batch = []
        tick = due
        batch.append(share)
    if tick is not None:
        yield tick, batch


def _tick_of(moment: datetime) -> datetime:
    step = TICK.total_seconds()
    return datetime.fromtimestamp(-(-moment.timestamp() // step) * step, UTC)


@dataclass
class Scores:
    recall: float | None
    precision: float | None
    share_at_alert: float | None
    hours_to_alert: float | None
    forecast_rel_error: float | None = None
    alerts: int = 0

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "recall": r(self.recall),
            "precision": r(self.precision),
            "share_at_alert": r(self.share_at_alert),
            "hours_to_alert": r(self.hours_to_alert),
            "forecast_rel_error": r(self.forecast_rel_error),
            "alerts": self.alerts,
        }


@dataclass
class ReplayResult:
    detector: Scores
    huginn: Scores
    spike: Scores
    mentions: int = 0
    stories: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.as_dict(),
            "huginn": self.huginn.as_dict(),
            "spike": self.spike.as_dict(),
        }


def score(
    cascades: list[Cascade],
    first_alerts: dict[str, datetime],
    viral: int,
    forecasts: dict[str, float] | None = None,
) -> Scores:
    """Scores of one rule from the moment it first flagged each story."""
    sizes = {c.story: len(c.shares) for c in cascades}
    by_story = {c.story: c for c in cascades}
    viral_stories = [s for s, n in sizes.items() if n >= viral]
    early, shares_at, hours_at = 0, [], []
    for story in viral_stories:
        at = first_alerts.get(story)
        if at is None:
            continue
        c = by_story[story]
        reached = sum(1 for t in c.shares if t <= at.timestamp())
        shares_at.append(reached / sizes[story])
        hours_at.append((at.timestamp() - c.shares[0]) / 3600)
        early += reached <= EARLY_SHARE * sizes[story]
    right = sum(1 for s in first_alerts if sizes.get(s, 0) >= viral)
    wrong = sum(1 for s in first_alerts if sizes.get(s, viral) < viral / 4)
    errors = [
        abs(f - sizes[s]) / sizes[s]
        for s, f in (forecasts or {}).items()
        if sizes[s] >= FORECAST_MIN_SHARES
    ]
    return Scores(
        recall=early / len(viral_stories) if viral_stories else None,
        precision=right / (right + wrong) if right + wrong else None,
        share_at_alert=statistics.median(shares_at) if shares_at else None,
        hours_to_alert=statistics.median(hours_at) if hours_at else None,
        forecast_rel_error=statistics.median(errors) if errors else None,
        alerts=len(first_alerts),
    )


def replay(
    cascades: list[Cascade],
    database_url: str,
    *,
    viral: int = 200,
    detect: DetectSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Replay `cascades` into a fresh database at `database_url` and score every rule;
    `progress` hears how many shares each simulated minute added."""
    import time

    started = time.perf_counter()
    cfg = (detect or DetectSettings()).model_copy(update={"viral_mentions": viral})
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            if session.exec(select(Mention.id).limit(1)).first() is not None:
                raise ConfigError(
                    f"{redact(database_url)}: replay needs an empty database (this one "
                    "holds mentions, which would be scored with the replay's)"
                )
        first_alerts, forecasts, hourly, mentions = _run(engine, cascades, cfg, progress)
    finally:
        engine.dispose()
    huginn = _first_by_story(huginn_peaks(hourly.totals), hourly)
    spike = _first_by_story(spike_alerts(hourly.totals), hourly)
    return ReplayResult(
        detector=score(cascades, first_alerts, viral, forecasts),
        huginn=score(cascades, huginn, viral),
        spike=score(cascades, spike, viral),
        mentions=mentions,
        stories=len(cascades),
        seconds=time.perf_counter() - started,
    )


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
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, datetime], dict[str, float], _Hourly, int]:
    by_story = {c.story: c for c in cascades}
    analyzer = Analyzer.for_brands((BRAND,), cfg)
    hourly = _Hourly()
    probes = sorted(
        (datetime.fromtimestamp(c.shares[0], UTC) + FORECAST_AFTER, c.story)
        for c in cascades
        if len(c.shares) >= FORECAST_MIN_SHARES
    )
    forecasts: dict[str, float] = {}
    with transaction(engine) as session:
        epoch = datetime.fromtimestamp(0, UTC)
        source = history_source(session, "replay", "file", "file:///replay", "replay", epoch)
        source_id = source.id or 0
    number = 0
    count = 0
    for tick, batch in _ticks(_shares(cascades)):
        while probes and probes[0][0] < tick:
            at, story = probes.pop(0)
            forecasts[story] = _forecast(engine, story, at, cfg)
        entries = []
        for share in batch:
            number += 1
            hourly.add(share)
            title, text = mention_text(by_story[share.story], share.index, number)
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
        with transaction(engine) as session:
            src = session.get(Source, source_id)
            assert src is not None
            count += insert_entries(session, src, entries, tick)
        analyze_pending(engine, analyzer, tick, limit=len(entries) + 1)
        detect_pending(engine, cfg, (BRAND,), tick, limit=len(entries) + 1)
        if progress is not None:
            progress(len(batch))
    for at, story in probes:
        forecasts[story] = _forecast(engine, story, at, cfg)
    return _detector_alerts(engine, by_story), forecasts, hourly, count


def _story_of(uid: str) -> str:
    return uid.rsplit("/", 1)[0]


def _forecast(engine: Engine, story: str, at: datetime, cfg: DetectSettings) -> float:
    """The detector's forecast for `story` at `at`: that of the incident holding most of
    its mentions so far, or what it has when none holds any (every mention was judged not
    negative)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Mention.incident_id).where(
                col(Mention.uid).startswith(f"{story}/"), col(Mention.incident_id).is_not(None)
            )
        ).all()
        if not rows:
            return 0.0
        incident_id = Counter(rows).most_common(1)[0][0]
        incident = session.get(Incident, incident_id)
        assert incident is not None
    return outlook(SpreadState.from_json(incident.spread), at, cfg.viral_mentions).size


def _detector_alerts(engine: Engine, by_story: dict[str, Cascade]) -> dict[str, datetime]:
    """The first time each story was alerted: an incident's alert belongs to the story most
    of its mentions come from."""
    with Session(engine) as session:
        opened = session.exec(
            select(Outbox.incident_id, Outbox.created_at)
            .where(Outbox.kind == "open")
            .order_by(col(Outbox.created_at))
        ).all()
        first: dict[str, datetime] = {}
        for incident_id, created in opened:
            uids = session.exec(select(Mention.uid).where(Mention.incident_id == incident_id))
            stories = Counter(_story_of(uid) for uid in uids)
            if stories:
                story = stories.most_common(1)[0][0]
                if story in by_story:
                    first.setdefault(story, created)
    return first


def report_lines(result: ReplayResult, viral: int) -> list[str]:
    """The human-readable report: one row per rule."""
    header = (
        f"{'rule':10} {'recall':>7} {'precision':>9} {'share@alert':>11} {'hours':>7} "
        f"{'forecast err':>12} {'alerts':>6}"
    )
    lines = [
        f"{plural(result.stories, 'story', 'stories')}, {plural(result.mentions, 'mention')}, "
        f"viral >= {viral} "
        f"(recall: flagged before {EARLY_SHARE:.0%} of final size; precision against "
        f"stories under {viral // 4})",
        header,
    ]
    for name in ("detector", "huginn", "spike"):
        s: Scores = getattr(result, name)

        def f(x: float | None, fmt: str) -> str:
            return "-" if x is None else format(x, fmt)

        lines.append(
            f"{name:10} {f(s.recall, '.3f'):>7} {f(s.precision, '.3f'):>9} "
            f"{f(s.share_at_alert, '.3f'):>11} {f(s.hours_to_alert, '.1f'):>7} "
            f"{f(s.forecast_rel_error, '.3f'):>12} {s.alerts:>6}"
        )
    rate = result.mentions / result.seconds if result.seconds else 0.0
    lines.append(f"replayed in {result.seconds:.1f} s ({rate:,.0f} mentions/s)")
    return lines


def to_json(result: ReplayResult) -> str:
    return json.dumps(result.as_dict())
