"""Google Alerts feeds: Atom whose links point at google.com/url?...&url=REAL; the real
address is what identifies the story and its site, so it is unwrapped."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from wommon.collect.entry import ParsedFeed, canonical_url, finish
from wommon.collect.parsers import xmlfeed


def unwrap(url: str | None) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    if (parts.hostname or "").endswith("google.com") and parts.path == "/url":
        query = parse_qs(parts.query)
        for key in ("url", "q"):
            if query.get(key):
                return query[key][0]
    return url


def parse(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    feed = xmlfeed.parse(content, url=url, content_type=content_type)
    entries = []
    for entry in feed.entries:
        real = unwrap(entry.url)
        uid = canonical_url(real) if real and real != entry.url else entry.uid
        entries.append(
            replace(entry, url=real, uid=uid, links=tuple(u for u in map(unwrap, entry.links) if u))
        )
    return finish(feed.title, entries, list(feed.warnings), feed.next_url)
