"""Builders shared by the tests: settings, feed specs and rows with sensible defaults."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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
