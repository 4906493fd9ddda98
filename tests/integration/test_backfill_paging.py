"""Backfill from feeds' own history: RFC 5005 paging, WordPress ?paged=N, JSON Feed
next_url, App Store pages, OPML lists; the same entry from the daemon and from backfill is
one row (R19)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from tests.support.helpers import settings, source
from tests.support.http_server import HTTPServer, send
from wommon.clock import SimulatedClock
from wommon.collect.paging import guessed_next, pages
from wommon.errors import ConfigError
from wommon.runs.backfill import backfill
from wommon.service.app import Pipeline
from wommon.store.models import Mention

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def atom_page(n: int, base: str, last: int) -> bytes:
    entries = "".join(
        f"<entry><id>urn:p{n}-{i}</id><title>Acme post {n}.{i}</title>"
        f"<updated>{(NOW - timedelta(days=n * 3 + i)).isoformat()}</updated>"
        f"<content>Acme kept me waiting, page {n} item {i}</content></entry>"
        for i in range(3)
    )
    nxt = f'<link rel="next" href="{base}/paged?page={n + 1}"/>' if n < last else ""
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Paged</title><id>urn:f</id>'
        f"<updated>2026-03-01T00:00:00Z</updated>{nxt}{entries}</feed>"
    ).encode()


def paged_route(server: HTTPServer, last: int = 3):  # type: ignore[no-untyped-def]
    def route(h: BaseHTTPRequestHandler) -> None:
        page = int(parse_qs(urlsplit(h.path).query).get("page", ["1"])[0])
        send(h, 200, atom_page(page, server.base, last))

    return route


def count(engine: Engine, historical: bool | None = None) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Mention)
        if historical is not None:
            query = query.where(col(Mention.historical).is_(historical))
        return int(session.exec(query).one())


def test_rfc5005_pages_are_read_back_once(engine: Engine, db_url: str) -> None:
    with HTTPServer() as server:
        server.routes["/paged"] = paged_route(server)
        cfg = settings(db_url, (source("blog", server.url("/paged?page=1"), kind="atom"),))
        report = backfill(engine, cfg, SimulatedClock(NOW), sources=["all"])
        assert (report.fetched, report.new) == (9, 9)
        assert [p for p, _ in server.hits] == ["/paged?page=1", "/paged?page=2", "/paged?page=3"]
        again = backfill(engine, cfg, SimulatedClock(NOW), sources=["blog"])
        assert (again.fetched, again.new) == (9, 0)
    assert count(engine, historical=True) == 9


def test_since_stops_paging_early(engine: Engine, db_url: str) -> None:
    with HTTPServer() as server:
        server.routes["/paged"] = paged_route(server, last=10)
        cfg = settings(db_url, (source("blog", server.url("/paged?page=1"), kind="atom"),))
        report = backfill(
            engine, cfg, SimulatedClock(NOW), sources=["blog"], since=NOW - timedelta(days=7)
        )
    assert report.new == 5  # days 3-5 on page 1, days 6-7 on page 2; page 3 is all older
    assert len(server.hits) <= 3


def test_wordpress_paged_and_unknown_source(engine: Engine, db_url: str) -> None:
    def wp(h: BaseHTTPRequestHandler) -> None:
        page = int(parse_qs(urlsplit(h.path).query).get("paged", ["1"])[0])
        if page > 2:
            send(h, 404, b"not found")
            return
        items = "".join(
            f"<item><guid>wp-{page}-{i}</guid><title>Acme {page}.{i}</title></item>"
            for i in range(2)
        )
        send(
            h, 200, f'<rss version="2.0"><channel><title>WP</title>{items}</channel></rss>'.encode()
        )

    with HTTPServer() as server:
        server.routes["/blog/feed/"] = wp
        cfg = settings(db_url, (source("wp", server.url("/blog/feed/")),))
        report = backfill(engine, cfg, SimulatedClock(NOW), sources=["wp"])
        assert report.new == 4 and report.warnings == []
        with pytest.raises(
            ConfigError,
            match=r"--source: no configured source named 'nope' \(sources: wp; or --source all\)",
        ):
            backfill(engine, cfg, SimulatedClock(NOW), sources=["nope"])


def test_guessed_and_json_next_pages() -> None:
    apple = "https://itunes.apple.com/es/rss/customerreviews/page=1/id=42/sortby=mostrecent/json"
    assert guessed_next(apple, "appstore", 1) == apple.replace("page=1", "page=2")
    assert guessed_next(apple.replace("page=1", "page=10"), "appstore", 10) is None
    assert (
        guessed_next("https://x.example/feed/?a=1", "rss", 3)
        == "https://x.example/feed/?a=1&paged=4"
    )
    assert guessed_next("https://x.example/rss.xml", "rss", 1) is None
    from wommon.collect.parsers import parse

    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [],
        "next_url": "https://x.example/2.json",
    }
    assert (
        parse("jsonfeed", json.dumps(doc).encode(), url="u").next_url == "https://x.example/2.json"
    )


def test_a_page_linking_back_stops_paging() -> None:
    from wommon.collect.entry import ParsedFeed

    feed = ParsedFeed("t", (), (), next_url="https://x.example/a")
    assert [u for u, _ in pages("https://x.example/a", "atom", lambda _: feed, 50)] == [
        "https://x.example/a"
    ]


def test_same_entry_from_daemon_and_backfill_is_one_row(
    engine: Engine, db_url: str, clock: SimulatedClock
) -> None:
    """R19: entries the daemon already stored are not added again by backfill, and no
    incident count changes."""
    with HTTPServer() as server:
        server.routes["/paged"] = paged_route(server, last=2)
        cfg = settings(db_url, (source("blog", server.url("/paged?page=1"), kind="atom"),))
        pipeline = Pipeline(cfg, clock, engine=engine)
        pipeline.prepare()
        assert pipeline.collect().new_mentions == 3
        report = backfill(engine, cfg, SimulatedClock(NOW), sources=["blog"])
    assert (report.fetched, report.new) == (6, 3)
    assert (count(engine, historical=False), count(engine, historical=True)) == (3, 3)


def test_opml_feeds_are_paged_and_suggested(engine: Engine, db_url: str, tmp_path: Path) -> None:
    with HTTPServer() as server:
        server.routes["/paged"] = paged_route(server, last=2)
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            '<?xml version="1.0"?><opml version="2.0"><head><title>f</title></head><body>'
            f'<outline text="Blog" type="rss" xmlUrl="{server.url("/paged?page=1")}"/>'
            '<outline text="folder"><outline text="No feed"/></outline></body></opml>'
        )
        report = backfill(engine, settings(db_url), SimulatedClock(NOW), files=[opml])
    assert report.new == 6
    assert report.suggested == [
        f'[[sources]]\nname = "Blog"\nkind = "rss"\nurl = "{server.url("/paged?page=1")}"'
    ]


def test_an_opml_list_of_watched_feeds_copies_nothing(
    engine: Engine, db_url: str, clock: SimulatedClock, tmp_path: Path
) -> None:
    """The OPML list names a feed the daemon already watches: it is recognised by its URL
    (paged as that source, not suggested again), its stored entries are not added again,
    and an export holding the same posts from the same site under other addresses adds
    nothing either; the
    report says what was new, already stored, a near-duplicate or skipped."""
    with HTTPServer() as server:
        server.routes["/paged"] = paged_route(server, last=1)
        url = server.url("/paged?page=1")
        cfg = settings(db_url, (source("blog", url, kind="atom"),))
        pipeline = Pipeline(cfg, clock, engine=engine)
        pipeline.prepare()
        assert pipeline.collect().new_mentions == 3
        pipeline.close()
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            '<?xml version="1.0"?><opml version="2.0"><head><title>f</title></head><body>'
            f'<outline text="Same blog" type="rss" xmlUrl="{url}&amp;utm_source=newsletter"/>'
            "</body></opml>"
        )
        report = backfill(engine, cfg, SimulatedClock(NOW), files=[opml])
    assert report.suggested == [], report.warnings
    assert report.fetched == 3, report.warnings
    assert (report.fetched, report.new, report.already_stored) == (3, 0, 3)
    texts = [f"Acme kept my refund number {i} for weeks" for i in range(3)]

    def export(name: str, folder: str, extra: tuple[dict[str, str], ...] = ()) -> Path:
        path = tmp_path / name
        rows = [
            {"url": f"https://blog.example/{folder}/{i}", "title": "Refund", "text": t}
            for i, t in enumerate(texts)
        ]
        path.write_text("\n".join(json.dumps(r) for r in [*rows, *extra]) + "\n")
        return path

    first = backfill(engine, cfg, SimulatedClock(NOW), files=[export("a.jsonl", "a")])
    assert first.new == 3
    moved = backfill(
        engine, cfg, SimulatedClock(NOW), files=[export("b.jsonl", "moved", ({"text": ""},))]
    )
    assert (moved.new, moved.near_duplicates, moved.skipped) == (0, 3, 1)
    again = backfill(engine, cfg, SimulatedClock(NOW), files=[export("c.jsonl", "a")])
    assert (again.new, again.already_stored) == (0, 3)
    assert again.summary()["already_stored"] == 3
