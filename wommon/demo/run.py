"""Play the bundled story through the real pipeline: local feeds, temporary SQLite database,
simulated clock. Twelve simulated hours take a few seconds."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

from sqlalchemy import func
from sqlmodel import Session, col, select

from wommon.alert.console import ConsoleNotifier
from wommon.alert.factory import default_notifier
from wommon.alert.notifier import Alert, Notifier, Receipt
from wommon.clock import SimulatedClock
from wommon.config import (
    BrandSettings,
    CollectSettings,
    Settings,
    SourceSettings,
    StorageSettings,
    slack_target,
)
from wommon.demo.feedserver import FeedPost, FeedServer, FeedSpec
from wommon.errors import ConfigError
from wommon.service.app import Pipeline
from wommon.store.enums import Status
from wommon.store.models import Incident, Mention, Outbox
from wommon.wording import plural

BRAND = BrandSettings(
    name="Northwind Mobile",
    aliases=("Northwind", "Northwind Móvil", "@northwindmobile", "#northwind"),
    exclude=("Northwind Traders",),
)


@dataclass(frozen=True)
class DemoSummary:
    mentions: int
    negative: int
    incidents: list[tuple[str, str, int, int]]
    alerts_sent: int


def load_sample() -> tuple[datetime, dict[str, FeedSpec]]:
    data = json.loads(resources.files(__package__).joinpath("posts.json").read_text("utf-8"))
    start = datetime.fromisoformat(data["start"])
    feeds = {name: FeedSpec(**spec) for name, spec in data["feeds"].items()}
    for i, post in enumerate(data["posts"]):
        spec = feeds[post["feed"]]
        link = f"{spec.site}/posts/{i}"
        spec.posts.append(
            FeedPost(
                uid=link,
                link=link,
                author=post["author"],
                title=post["title"],
                html=post["html"],
                published=start + timedelta(minutes=post["minutes"]),
            )
        )
    return start, feeds


def demo_settings(server: FeedServer, database: Path) -> Settings:
    sources = tuple(
        SourceSettings(
            name=name,
            kind="atom" if spec.kind == "atom" else "rss",
            url=server.url(name),
            brand=BRAND.name if name == "reviews-app" else None,
            interval_seconds=900,
        )
        for name, spec in server.feeds.items()
    )
    return Settings(
        storage=StorageSettings(url=f"sqlite:///{database}"),
        collect=CollectSettings(allow_networks=("127.0.0.1/32",)),
        brands=(BRAND,),
        sources=sources,
    )


def run_demo(
    out: TextIO, *, hours: float = 12, step_minutes: int = 15, notifier: Notifier | None = None
) -> DemoSummary:
    start, feeds = load_sample()
    clock = SimulatedClock(start)
    with (
        tempfile.TemporaryDirectory(prefix="wommon-demo-") as tmp,
        FeedServer(clock, feeds) as server,
    ):
        settings = demo_settings(server, Path(tmp) / "demo.db")
        if notifier is None:
            notifier = _demo_notifier(settings, out)
        pipeline = Pipeline(settings, clock, notifier=notifier)
        print(
            f"Watching {len(feeds)} sample feeds for {BRAND.name}, "
            f"{hours:g} simulated hours from {start:%Y-%m-%d %H:%M} UTC...\n",
            file=out,
        )
        try:
            pipeline.prepare()
            end = start + timedelta(hours=hours)
            while clock.now() <= end:
                pipeline.run_once()
                clock.advance(timedelta(minutes=step_minutes))
            summary = _summary(pipeline)
        finally:
            pipeline.close()
    print(
        f"\n{plural(summary.mentions, 'mention')} collected, {summary.negative} negative; "
        f"{plural(len(summary.incidents), 'incident')}, "
        f"{plural(summary.alerts_sent, 'alert')} sent.",
        file=out,
    )
    for brand, label, mentions, sources in summary.incidents:
        counts = f"{plural(mentions, 'mention')}, {plural(sources, 'source')}"
        print(f"  - {brand}: {label} ({counts})", file=out)
    return summary


def _demo_notifier(settings: Settings, out: TextIO) -> Notifier:
    """The console, plus Slack when SLACK_BOT_TOKEN and WOMMON_SLACK_CHANNEL are set."""
    console = ConsoleNotifier(out)
    try:
        target = slack_target(settings)
    except ConfigError as exc:  # the demo is offline first: say it, play it on the console
        print(f"Slack not used: {exc}", file=out)
        return console
    if target is None:
        return console
    print(f"Alerts also go to Slack channel {target.channel}.", file=out)
    return _Both(default_notifier(settings, target), console)


class _Both:
    def __init__(self, slack: Notifier, console: Notifier) -> None:
        self._slack, self._console = slack, console
        self.interactive = slack.interactive

    def send(self, alert: Alert) -> Receipt:
        receipt = self._slack.send(alert)
        self._console.send(alert)
        return receipt

    def find(self, alert: Alert) -> Receipt | None:
        return self._slack.find(alert)


def _summary(pipeline: Pipeline) -> DemoSummary:
    with Session(pipeline.engine) as session:
        mentions = session.exec(select(func.count()).select_from(Mention)).one()
        negative = session.exec(select(func.count()).where(col(Mention.negative).is_(True))).one()
        incidents = [
            (i.brand, i.label, i.mentions, i.sources)
            for i in session.exec(select(Incident).order_by(col(Incident.id)))
        ]
        sent = session.exec(select(func.count()).where(Outbox.status == Status.SENT)).one()
    return DemoSummary(mentions, negative, incidents, sent)
