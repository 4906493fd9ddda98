"""Feed discovery: the feeds an HTML page announces (`<link rel="alternate"
type="application/rss+xml" href="...">`), for a person who pasted a blog's address where
its feed belongs."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "jsonfeed",
    "application/json": "jsonfeed",
}


def looks_like_html(content: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower() and "xml" not in content_type.lower():
        return True
    head = content.lstrip()[:512].lower()
    return head.startswith((b"<!doctype html", b"<html"))


def feed_links(content: bytes, page_url: str) -> list[tuple[str, str, str]]:
    """(kind, URL, title) of every feed the page links to, in page order, once each."""
    try:
        root = lxml.html.fromstring(content)
    except (ParserError, ValueError):
        return []
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = FEED_TYPES.get((link.get("type") or "").lower().split(";")[0].strip())
        href = link.get("href")
        if "alternate" in rel and kind and href:
            url = urljoin(page_url, href.strip())
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                found.append((kind, url, (link.get("title") or "").strip()))
    return found
