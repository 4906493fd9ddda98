from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import DATA, START
from tests.support.helpers import post, source, story_feeds
from wommon.clock import SimulatedClock
from wommon.collect.guard import AddressPolicy
from wommon.collect.http import FetchLimits, fetch, new_session
from wommon.collect.poller import collect_due, next_due
from wommon.collect.sources import sync_sources
from wommon.demo.feedserver import FeedServer
from wommon.errors import FetchError
from wommon.store.db import transaction
from wommon.store.models import Mention, Source

LOOPBACK = AddressPolicy.from_strings(["127.0.0.0/8"])


@pytest.fixture
def server(clock: SimulatedClock):  # type: ignore[no-untyped-def]
    with FeedServer(clock, story_feeds(START)) as srv:
        yield srv


def _collect(
    engine: Engine, clock: SimulatedClock, limits: FetchLimits | None = None
) -> tuple[int, int, int]:
    limits = limits or FetchLimits(timeout_seconds=5, policy=LOOPBACK)
    with ThreadPoolExecutor(4) as pool, new_session(limits) as http:
        report = collect_due(
            engine,
            clock.now(),
            owner="test",
            http=http,
            limits=limits,
            pool=pool,
            rng=random.Random(1),
        )
    return report.polled, report.failed, report.new_mentions


def _sync(engine: Engine, clock: SimulatedClock, *sources) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        sync_sources(session, sources, clock.now())


def _mentions(engine: Engine) -> list[Mention]:
    with Session(engine) as session:
        return list(session.exec(select(Mention).order_by(col(Mention.id))))


def _source(engine: Engine, name: str) -> Source:
    with Session(engine) as session:
        return session.exec(select(Source).where(Source.name == name)).one()


def test_collects_new_entries_once(
    engine: Engine, clock: SimulatedClock, server: FeedServer
) -> None:
    """R6, R14: a second poll (304 or 200 with the same entries) adds no mention."""
    _sync(engine, clock, *(source(n, server.url(n)) for n in server.feeds))
    clock.advance(timedelta(hours=3))
    assert _collect(engine, clock) == (4, 0, 4)
    mentions = _mentions(engine)
    assert {m.domain for m in mentions} == {
        "blog-a.example",
        "forum-b.example",
        "news-c.example",
        "happy.example",
    }
    assert all(m.analyzed_at is None and m.fetched_at == clock.now() for m in mentions)
    assert _source(engine, "site0").etag
    clock.advance(timedelta(hours=1))
    assert _collect(engine, clock) == (4, 0, 0)
    with transaction(engine) as session:
        for src in session.exec(select(Source)):
            src.etag, src.next_due_at = None, clock.now()
            session.add(src)
    assert _collect(engine, clock) == (4, 0, 0)
    assert len(_mentions(engine)) == 4


def test_not_due_sources_are_not_polled(
    engine: Engine, clock: SimulatedClock, server: FeedServer
) -> None:
    _sync(engine, clock, source("site0", server.url("site0"), interval_seconds=600))
    assert _collect(engine, clock)[0] == 1
    assert _collect(engine, clock)[0] == 0
    due = _source(engine, "site0").next_due_at
    assert timedelta(seconds=540) <= due - clock.now() <= timedelta(seconds=660)


def test_broken_feed_marks_the_source_and_loses_nothing(
    engine: Engine, clock: SimulatedClock, server: FeedServer
) -> None:
    clock.advance(timedelta(hours=3))
    _sync(engine, clock, source("site0", server.url("site0")), source("site1", server.url("site1")))
    assert _collect(engine, clock) == (2, 0, 2)
    server.raw["/feeds/site0.xml"] = (200, b"<html>this is not a feed</html>")
    server.raw["/feeds/site1.xml"] = (500, b"oops")
    clock.advance(timedelta(hours=1))
    assert _collect(engine, clock) == (2, 2, 0)
    assert len(_mentions(engine)) == 2
    broken = _source(engine, "site0")
    assert broken.consecutive_failures == 1
    assert broken.last_error == f"{server.url('site0')}: not an RSS or Atom document"
    assert (
        _source(engine, "site1").last_error
        == f"{server.url('site1')}: HTTP 500 Internal Server Error"
    )
    assert broken.next_due_at - clock.now() >= timedelta(seconds=900 * 2 * 0.9)


def test_unreachable_feed_is_an_error_naming_the_url(engine: Engine, clock: SimulatedClock) -> None:
    _sync(engine, clock, source("gone", "http://127.0.0.1:9/feed.xml"))
    assert _collect(engine, clock) == (1, 1, 0)
    error = _source(engine, "gone").last_error or ""
    assert error.startswith("http://127.0.0.1:9/feed.xml: cannot connect:")


def test_ill_formed_feed_stores_recoverable_entries(
    engine: Engine, clock: SimulatedClock, server: FeedServer
) -> None:
    server.raw["/broken.xml"] = (200, (DATA / "broken.xml").read_bytes())
    _sync(engine, clock, source("broken", f"{server.base_url}/broken.xml"))
    assert _collect(engine, clock) == (1, 0, 2)
    assert [m.uid for m in _mentions(engine)] == ["ok-1", "ok-2"]
    warned = _source(engine, "broken")
    assert warned.last_error is None
    assert (warned.last_warning or "").startswith("ill-formed feed:")


def test_size_cap_stops_large_bodies(clock: SimulatedClock, server: FeedServer) -> None:
    """R4 (declared length): a body over the cap is refused."""
    server.raw["/big.xml"] = (200, b"<rss>" + b" " * 50_000 + b"</rss>")
    limits = FetchLimits(max_bytes=10_000, timeout_seconds=5, policy=LOOPBACK)
    with new_session(limits) as http, pytest.raises(FetchError, match="exceeds the 10000-byte cap"):
        fetch(http, f"{server.base_url}/big.xml", limits)


def test_future_and_missing_dates_use_fetch_time(
    engine: Engine, clock: SimulatedClock, server: FeedServer
) -> None:
    """R13: a date in the future or missing is replaced by the fetch time."""
    spec = server.feeds["happy"]
    spec.posts.append(post(spec.site, 2, "From the future", "Acme", START.replace(year=2999)))
    server.clock = type(clock)(START.replace(year=3000))
    _sync(engine, clock, source("happy", server.url("happy")))
    _collect(engine, clock)
    assert {m.published_at for m in _mentions(engine)} == {START, clock.now()}


def test_next_due_backs_off_and_caps_at_a_day() -> None:
    """R9: a failing feed is still polled, at most a day apart."""
    rng = random.Random(0)
    assert next_due(START, 900, 0, rng) - START < timedelta(seconds=991)
    assert next_due(START, 900, 3, rng) - START >= timedelta(seconds=900 * 8 * 0.9)
    assert next_due(START, 900, 50, rng) - START <= timedelta(days=1.1)


def test_sync_sources_adds_updates_and_disables(engine: Engine, clock: SimulatedClock) -> None:
    _sync(engine, clock, source("a", "https://a.example/f"), source("b", "https://b.example/f"))
    _sync(engine, clock, source("a", "https://a.example/new", weight=2.0))
    a, b = _source(engine, "a"), _source(engine, "b")
    assert (a.url, a.weight, a.enabled) == ("https://a.example/new", 2.0, True)
    assert b.enabled is False
    _sync(engine, clock, source("b", "https://b.example/f"))
    assert _source(engine, "b").enabled is True


def test_connection_refused_is_fetch_error() -> None:
    limits = FetchLimits(timeout_seconds=2, policy=LOOPBACK)
    with new_session(limits) as http, pytest.raises(FetchError, match="cannot connect"):
        fetch(http, "http://127.0.0.1:9/", limits)
