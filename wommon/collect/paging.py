"""Older pages of a feed, for backfill: RFC 5005 paged and archived feeds (rel="next",
rel="prev-archive"), JSON Feed's next_url, the App Store's page=N (up to Apple's 10), and
WordPress's ?paged=N for feeds that link to no next page.

Paging stops at the first page that brings nothing new, links back to a page already
seen, or fails; a page limit bounds it in any case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wommon.collect.entry import ParsedFeed
from wommon.errors import FetchError, ParseError

APPSTORE_PAGES = 10
_APPSTORE_PAGE = re.compile(r"/page=(\d+)/")


def guessed_next(url: str, kind: str, page: int) -> str | None:
    """Where page `page + 1` is when the feed does not say."""
    if kind == "appstore":
        if page >= APPSTORE_PAGES or not _APPSTORE_PAGE.search(url):
            return None
        return _APPSTORE_PAGE.sub(f"/page={page + 1}/", url, count=1)
    parts = urlsplit(url)
    if kind in ("rss", "atom") and "/feed" in parts.path:
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "paged"]
        query.append(("paged", str(page + 1)))
        return urlunsplit(parts._replace(query=urlencode(query)))
    return None


def pages(
    url: str,
    kind: str,
    fetch_page: Callable[[str], ParsedFeed],
    max_pages: int,
    on_warning: Callable[[str], None] = lambda _: None,
) -> Iterator[tuple[str, ParsedFeed]]:
    """(page URL, parsed page) from the newest page back."""
    seen_urls: set[str] = set()
    seen_uids: set[str] = set()
    number = 1
    guessed = False
    while url and url not in seen_urls and number <= max_pages:
        seen_urls.add(url)
        try:
            feed = fetch_page(url)
        except (FetchError, ParseError) as exc:
            if number == 1:
                raise
            if not guessed:  # a guessed page that does not exist is just the end
                on_warning(f"paging stopped: {exc}")
            return
        new = {e.uid for e in feed.entries} - seen_uids
        if number > 1 and not new:
            return
        seen_uids |= new
        yield url, feed
        guessed = feed.next_url is None
        url = feed.next_url or guessed_next(url, kind, number) or ""
        number += 1
