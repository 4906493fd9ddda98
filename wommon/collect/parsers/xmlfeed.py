"""RSS 0.9x/1.0/2.0 and Atom, through feedparser.

feedparser never fetches (it gets bytes) and does not resolve external entities, but an
internal entity bomb would still cost seconds and memory in expat; documents that declare
entities are refused before parsing, since real feeds do not need them. An ill-formed
document still yields whatever entries feedparser recovered, with a warning; only a
document with nothing recoverable is a ParseError.
"""

from __future__ import annotations

import calendar
import pyexpat
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser.encodings import convert_to_utf8

from wommon.collect.entry import Entry, ParsedFeed, build_entry, finish
from wommon.errors import ParseError

# A declaration of entities (general or parameter), or a DOCTYPE with an internal subset.
_DECLARATION = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", re.IGNORECASE)


def expat_warning() -> str | None:
    """A warning when the XML parser predates expat's own entity-amplification limits
    (2.4.1); wommon refuses entity declarations anyway, this is the second line."""
    version = tuple(int(p) for p in pyexpat.EXPAT_VERSION.removeprefix("expat_").split("."))
    if version < (2, 4, 1):
        return f"{pyexpat.EXPAT_VERSION} has no entity-amplification limit; upgrade expat"
    return None


def refuse_entities(content: bytes, url: str, content_type: str | None = None) -> None:
    """R10/R11: no entity declaration and no internal DTD subset, anywhere in the document
    and whatever its encoding.

    The whole document is decoded exactly as feedparser will decode it (the HTTP charset,
    the XML declaration, the BOM, then its fallbacks: cp037, UTF-16 and UTF-32 included)
    and searched, as are the raw bytes. What feedparser's loose parser would expand is
    what its `replace_doctype` finds in that decoded text, so a document that passes here
    gives it no entity to expand."""
    headers = {"content-type": content_type} if content_type else {}
    decoded = convert_to_utf8(headers, content, {})
    if _DECLARATION.search(content) or _DECLARATION.search(decoded):
        raise ParseError(
            url, "document declares XML entities (refused: entity bombs and external entities)"
        )


def parse(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    refuse_entities(content, url, content_type)
    headers = {"content-type": content_type} if content_type else {}
    doc = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    warnings: list[str] = []
    if doc.bozo:
        warnings.append(f"ill-formed feed: {_bozo_reason(doc.get('bozo_exception'))}")
    if not doc.entries and not doc.get("version"):
        raise ParseError(url, warnings[0] if warnings else "not an RSS or Atom document")
    entries = [_entry(raw, url) for raw in doc.entries]
    return finish(str(doc.feed.get("title", "")), entries, warnings, _next(doc.feed, url))


def _next(feed: Any, url: str) -> str | None:
    """RFC 5005: a paged feed's rel="next", or an archived feed's rel="prev-archive"."""
    links = {
        link.get("rel"): link.get("href") for link in feed.get("links", []) if link.get("href")
    }
    target = links.get("next") or links.get("prev-archive")
    return urljoin(url, target) if target else None


def _entry(raw: Any, feed_url: str) -> Entry:
    html = raw["content"][0].get("value", "") if raw.get("content") else ""
    return build_entry(
        guid=raw.get("id"),
        link=raw.get("link"),
        author=raw.get("author"),
        title=raw.get("title", "") or "",
        html=html or raw.get("summary", "") or "",
        published=_date(raw),
        base_url=feed_url,
    )


def _date(raw: Any) -> datetime | None:
    present = raw.keys()
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key) if key in present else None
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
