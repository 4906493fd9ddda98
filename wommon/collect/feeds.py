"""RSS and Atom documents -> Entry records, through feedparser.

The parser sees bytes that were already fetched under limits (collect/http.py), never a URL.
An ill-formed document still yields whatever entries feedparser recovered, with a warning;
only a document with nothing recoverable is a ParseError.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from wommon.collect.html import html_to_text
from wommon.errors import ParseError


@dataclass(frozen=True)
class Entry:
    uid: str
    url: str | None
    author: str | None
    title: str
    text: str
    links: tuple[str, ...]
    published_at: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]


def parse_feed(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    doc = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    warnings: list[str] = []
    if doc.bozo:
        warnings.append(f"ill-formed feed: {_bozo_reason(doc.bozo_exception)}")
    if not doc.entries and not doc.get("version"):
        reason = warnings[0] if warnings else "not an RSS or Atom document"
        raise ParseError(url, reason)
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in doc.entries:
        entry = _entry(raw, url)
        if entry.uid in seen:
            warnings.append(f"duplicate entry id {entry.uid!r} skipped")
            continue
        seen.add(entry.uid)
        entries.append(entry)
    return ParsedFeed(
        title=str(doc.feed.get("title", "")), entries=tuple(entries), warnings=tuple(warnings)
    )


def _entry(raw: Any, feed_url: str) -> Entry:
    link = urljoin(feed_url, raw["link"]) if raw.get("link") else None
    html = ""
    if raw.get("content"):
        html = raw["content"][0].get("value", "")
    if not html:
        html = raw.get("summary", "") or ""
    text, links = html_to_text(html, link or feed_url)
    title, _ = html_to_text(raw.get("title", "") or "")
    return Entry(
        uid=_uid(raw, link, title, text),
        url=link,
        author=(raw.get("author") or None),
        title=title,
        text=text,
        links=links,
        published_at=_date(raw),
    )


def _uid(raw: Any, link: str | None, title: str, text: str) -> str:
    """guid, else link, else a hash of the content: stable across fetches of one entry."""
    guid = (raw.get("id") or "").strip()
    if guid:
        return guid[:512]
    if link:
        return link[:512]
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    return f"sha256:{digest}"


def _date(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _bozo_reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown problem"
    text = str(exc) or exc.__class__.__name__
    return text.splitlines()[0][:200]
