"""Builders shared by the tests: settings, feed specs and rows with sensible defaults."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from wommon.config import (
    BrandSettings,
    CollectSettings,
    DetectSettings,
    Settings,
    SlackSettings,
    SourceSettings,
    StorageSettings,
)
from wommon.demo.feedserver import FeedPost, FeedSpec
from wommon.store.db import transaction
from wommon.store.models import Mention, Source

# One complaint as customers write it, the seed of the detection tests' story.
STORY = "Acme charged me twice and refused my refund"

ACME = BrandSettings(name="Acme", aliases=("Acme Corp", "@acme"), exclude=("Acme anvil",))


def settings(db_url: str, sources: tuple[SourceSettings, ...] = (), **detect: Any) -> Settings:
    return Settings(
        storage=StorageSettings(url=db_url),
        collect=CollectSettings(allow_networks=("127.0.0.0/8",)),
        brands=(ACME,),
        sources=sources,
        detect=DetectSettings(**detect),
        slack=SlackSettings(channel="#alerts"),
    )


def source(name: str, url: str, **kw: Any) -> SourceSettings:
    return SourceSettings(name=name, url=url, **kw)


def post(
    site: str, n: int, title: str, html: str, published: datetime, author: str = "a"
) -> FeedPost:
    link = f"{site}/posts/{n}"
    return FeedPost(uid=link, link=link, author=author, title=title, html=html, published=published)


def story_feeds(start: datetime) -> dict[str, FeedSpec]:
    """Four sites; one story about Acme double-charging spreads across three of them
    within two hours, and one unrelated happy post."""
    sites = ["https://blog-a.example", "https://forum-b.example", "https://news-c.example"]
    feeds = {
        f"site{i}": FeedSpec(kind="rss" if i % 2 == 0 else "atom", title=f"Site {i}", site=site)
        for i, site in enumerate(sites)
    }
    feeds["happy"] = FeedSpec(kind="rss", title="Happy", site="https://happy.example")
    texts = [
        "Acme charged me twice for my bill and refused a refund. Terrible service.",
        "Acme double charged my card this month and support refuses the refund. Awful.",
        "Readers say Acme charged them twice and refunds are refused. Angry customers.",
    ]
    for i, spec in enumerate(list(feeds.values())[:3]):
        spec.posts.append(
            post(
                spec.site,
                i,
                f"Acme charged me twice ({i})",
                texts[i],
                start + timedelta(minutes=30 * (i + 1)),
            )
        )
    feeds["happy"].posts.append(
        post("https://happy.example", 9, "Love Acme", "Acme support was great and fast!", start)
    )
    return feeds


def add_mentions(
    engine: Engine,
    items: list[tuple[str, str, float, int]],
    links: tuple[str, ...] = (),
    start: datetime = datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
) -> None:
    """(domain, text, sentiment, minutes after start) -> analysed mentions of Acme."""
    with transaction(engine) as session:
        src = session.exec(select(Source).where(Source.name == "s")).first() or Source(
            name="s", kind="rss", url="https://s.example", interval_seconds=900, next_due_at=start
        )
        session.add(src)
        session.flush()
        for i, (domain, text, sentiment, minutes) in enumerate(items):
            at = start + timedelta(minutes=minutes)
            session.add(
                Mention(
                    source_id=src.id,
                    uid=f"{domain}/{i}-{minutes}",
                    url=f"https://{domain}/{i}-{minutes}",
                    domain=domain,
                    author=f"author-{domain}",
                    title="",
                    text=text,
                    links=json.dumps(list(links)),
                    published_at=at,
                    fetched_at=at,
                    brand="Acme",
                    sentiment=sentiment,
                    negative=sentiment < 0,
                    analyzed_at=at,
                )
            )


def seed_story(
    engine: Engine,
    n: int = 40,
    *,
    title: str = "",
    every_minutes: int = 4,
    start: datetime = datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
) -> datetime:
    """One spreading complaint about Acme on nine sites, detected as it arrives (every 30
    simulated minutes): a real incident with its spread, alerts and hourly counts.
    Returns the simulated time after the last detection."""
    from wommon.config import DetectSettings
    from wommon.detect.detector import detect_pending

    items = [
        (f"site{i % 9}.example", f"Acme charged me twice, refund refused {i % 3}", -0.8, i)
        for i in range(0, n * every_minutes, every_minutes)
    ]
    add_mentions(engine, items, start=start)
    if title:
        with transaction(engine) as session:
            for m in session.exec(select(Mention)):
                m.title = title
                session.add(m)
    now = start
    for minutes in range(0, n * every_minutes + 60, 30):
        now = start + timedelta(minutes=minutes)
        detect_pending(engine, DetectSettings(), (ACME,), now)
    return now
