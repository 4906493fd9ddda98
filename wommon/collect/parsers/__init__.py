"""One small parser per feed kind, all producing ParsedFeed; adding a kind is one module here
and one line in PARSERS."""

from __future__ import annotations

from collections.abc import Callable

from wommon.collect.entry import ParsedFeed
from wommon.collect.parsers import appstore, googlealerts, jsonfeed, xmlfeed

Parser = Callable[..., ParsedFeed]

PARSERS: dict[str, Parser] = {
    "rss": xmlfeed.parse,
    "atom": xmlfeed.parse,
    "jsonfeed": jsonfeed.parse,
    "appstore": appstore.parse,
    "googlealerts": googlealerts.parse,
}
KINDS = tuple(PARSERS)


def parse(kind: str, content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    return PARSERS[kind](content, url=url, content_type=content_type)


def sniff(content: bytes) -> str:
    """Best guess of a document's kind, for `wommon inspect` on an unknown file."""
    head = content.lstrip()[:4096]
    if head.startswith((b"{", b"[")):
        return "appstore" if b'"im:rating"' in content[:200_000] else "jsonfeed"
    if b"google.com/url" in content[:200_000] and b"tag:google.com" in content[:200_000]:
        return "googlealerts"
    return "rss"
