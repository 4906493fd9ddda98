"""Apple App Store customer reviews, from Apple's public JSON feed:

    https://itunes.apple.com/{country}/rss/customerreviews/page=1/id={app_id}/sortby=mostrecent/json

Each review carries its star rating, which is kept in the title ("★☆☆☆☆ Title") so the
analysis sees how unhappy the reviewer was even when the text is short.
"""

from __future__ import annotations

from typing import Any

from wommon.collect.entry import ParsedFeed, build_entry, finish
from wommon.collect.parsers.jsonfeed import load_json, parse_iso
from wommon.errors import ParseError

FEED_URL = "https://itunes.apple.com/{country}/rss/customerreviews/page=1/id={app_id}/sortby=mostrecent/json"


def _label(obj: Any, *path: str) -> str:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(obj, dict):
        obj = obj.get("label")
    return str(obj) if obj is not None else ""


def parse(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    doc = load_json(content, url)
    feed = doc.get("feed") if isinstance(doc, dict) else None
    if not isinstance(feed, dict):
        raise ParseError(url, "not an App Store reviews feed: no 'feed' object")
    raw = feed.get("entry", [])
    items = raw if isinstance(raw, list) else [raw]
    entries = []
    for item in items:
        if not isinstance(item, dict) or "im:rating" not in item:
            continue  # the first entry of some versions describes the app itself
        rating = _label(item, "im:rating")
        stars = int(rating) if rating.isdigit() and 1 <= int(rating) <= 5 else None
        title = _label(item, "title")
        if stars is not None:
            title = f"{'★' * stars}{'☆' * (5 - stars)} {title}"
        link = item.get("link", {})
        href = link.get("attributes", {}).get("href") if isinstance(link, dict) else None
        entries.append(
            build_entry(
                guid=_label(item, "id") or None,
                link=href,
                author=_label(item, "author", "name") or None,
                title=title,
                html=_escape(_label(item, "content")),
                published=parse_iso(_label(item, "updated")),
                base_url=url,
            )
        )
    return finish(_label(feed, "title"), entries, [])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
