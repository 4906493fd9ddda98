"""The record every parser produces, whatever the feed kind, and what makes it stable.

A mention's identity must survive refetches and cosmetic publisher changes: uids that are
URLs are canonicalised (http/https, www., trailing slash, tracking parameters), so a
publisher that rewrites every guid from http to https does not flood the store.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from simhash import Simhash


@dataclass(frozen=True)
class Entry:
    uid: str
    url: str | None
    author: str | None
    title: str
    text: str
    links: tuple[str, ...]
    published_at: datetime | None
    fingerprint: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]
    # The next (older) page of a paged or archived feed (RFC 5005), for backfill.
    next_url: str | None = None


_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src)$", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
UID_MAX = 512


def canonical_url(url: str) -> str:
    """A URL reduced to what identifies the page: scheme-less, no www., no tracking."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url.strip()
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host, path, query, "")).removeprefix("//")


def make_uid(guid: str | None, link: str | None, title: str, text: str) -> str:
    """guid, else link, else a hash of the content: stable across fetches of one entry."""
    guid = (guid or "").strip()
    if guid:
        return canonical_url(guid)[:UID_MAX] if "://" in guid else guid[:UID_MAX]
    if link:
        return canonical_url(link)[:UID_MAX]
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def fingerprint(title: str, text: str) -> str | None:
    """64-bit SimHash of word 3-shingles, as 16 hex digits; near-copies differ in few bits.

    Syndicated copies of one post on different sites share it (or nearly), which is how
    later stages count one voice, not five."""
    words = _WORDS.findall(f"{title} {text}".casefold())
    if len(words) < 3:
        return None
    shingles = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    return f"{Simhash(shingles).value:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def build_entry(
    *,
    guid: str | None,
    link: str | None,
    author: str | None,
    title: str,
    html: str,
    published: datetime | None,
    base_url: str,
) -> Entry:
    """An Entry from the fields every feed kind has in some form; HTML becomes text."""
    from wommon.collect.html import html_to_text

    link = urljoin(base_url, link) if link else None
    text, links = html_to_text(html, link or base_url)
    title_text, _ = html_to_text(title)
    return Entry(
        uid=make_uid(guid, link, title_text, text),
        url=link,
        author=author.strip()[:255] or None if author else None,
        title=title_text,
        text=text,
        links=links,
        published_at=published,
        fingerprint=fingerprint(title_text, text),
    )


def finish(
    title: str, entries: list[Entry], warnings: list[str], next_url: str | None = None
) -> ParsedFeed:
    """Drop entries whose uid was already seen in this document, saying so."""
    unique: list[Entry] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.uid in seen:
            warnings.append(f"duplicate entry id {entry.uid!r} skipped")
            continue
        seen.add(entry.uid)
        unique.append(entry)
    return ParsedFeed(
        title=title, entries=tuple(unique), warnings=tuple(warnings), next_url=next_url
    )
