from __future__ import annotations

import pytest

from tests.conftest import DATA
from wommon.collect.html import html_to_text
from wommon.collect.parsers.xmlfeed import parse as parse_feed
from wommon.errors import ParseError


def test_rss_entries_uids_text_and_links() -> None:
    """R14, R15: uid falls back guid -> link -> content hash; a duplicate guid is one entry."""
    feed = parse_feed((DATA / "rss2.xml").read_bytes(), url="https://blog.example/feed")
    uids = [e.uid for e in feed.entries]
    assert uids[:2] == ["post-1", "blog.example/3"]
    assert uids[2].startswith("sha256:")
    assert len(feed.entries) == 3
    assert any("duplicate entry id 'post-1'" in w for w in feed.warnings)
    first = feed.entries[0]
    assert first.text == "Acme never delivered.\nSee my other post."
    assert first.links == ("https://blog.example/2",)
    assert (
        first.published_at is not None
        and first.published_at.isoformat() == "2026-03-02T06:00:00+00:00"
    )
    assert feed.entries[1].published_at is None


def test_content_hash_uid_is_stable() -> None:
    body = (DATA / "rss2.xml").read_bytes()
    once = parse_feed(body, url="u").entries[2].uid
    again = parse_feed(body, url="u").entries[2].uid
    assert once == again


def test_atom_entry() -> None:
    feed = parse_feed((DATA / "atom.xml").read_bytes(), url="https://forum.example/feed")
    (entry,) = feed.entries
    assert entry.uid == "urn:forum:42"
    assert entry.title == "Double charged by Acme"
    assert entry.author == "lena"
    assert entry.url == "https://forum.example/t/42"
    assert entry.published_at is not None and entry.published_at.hour == 5


def test_ill_formed_feed_keeps_what_is_recoverable() -> None:
    feed = parse_feed((DATA / "broken.xml").read_bytes(), url="https://x.example/feed")
    assert [e.uid for e in feed.entries][:1] == ["ok-1"]
    assert feed.warnings and feed.warnings[0].startswith("ill-formed feed:")


@pytest.mark.parametrize(
    "body", [b"", b"<html><body>Not a feed</body></html>", b"\x00\xff garbage"]
)
def test_not_a_feed_is_a_parse_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"^https://x\.example/feed: "):
        parse_feed(body, url="https://x.example/feed")


def test_html_to_text_drops_scripts_keeps_paragraphs() -> None:
    text, links = html_to_text(
        '<div><p>One &amp; two</p><script>evil()</script><p>Three <a href="https://a.example/x">a</a>'
        ' <a href="mailto:x@y">m</a></p></div>'
    )
    assert text == "One & two\nThree a m"
    assert links == ("https://a.example/x",)
    assert html_to_text("plain words  here") == ("plain words here", ())
