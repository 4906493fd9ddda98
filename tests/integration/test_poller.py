"""The poller against misbehaving publishers: cases R6-R9 and R13-R16, stored for real."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import START
from tests.support.helpers import source
from tests.support.http_server import HTTPServer, rss, send
from wommon.clock import SimulatedClock
from wommon.collect.guard import AddressPolicy
from wommon.collect.http import FetchLimits, new_session
from wommon.collect.poller import CollectReport, collect_due
from wommon.collect.sources import sync_sources
from wommon.store.db import transaction
from wommon.store.models import Mention, Source

LIMITS = FetchLimits(timeout_seconds=5, policy=AddressPolicy.from_strings(["127.0.0.0/8"]))


def collect(engine: Engine, clock: SimulatedClock, max_per_host: int = 2) -> CollectReport:
    with ThreadPoolExecutor(8) as pool, new_session(LIMITS) as http:
        return collect_due(
            engine,
            clock.now(),
            owner="t",
            http=http,
            limits=LIMITS,
            pool=pool,
            max_per_host=max_per_host,
            rng=random.Random(3),
        )


def add(engine: Engine, clock: SimulatedClock, **urls: str) -> None:
    with transaction(engine) as session:
        sync_sources(session, [source(name, url) for name, url in urls.items()], clock.now())


def src(engine: Engine, name: str = "s") -> Source:
    with Session(engine) as session:
        return session.exec(select(Source).where(Source.name == name)).one()


def mentions(engine: Engine) -> list[Mention]:
    with Session(engine) as session:
        return list(session.exec(select(Mention).order_by(col(Mention.id))))


def due_now(engine: Engine, clock: SimulatedClock) -> None:
    """Jump the clock to the next poll of every source."""
    with Session(engine) as session:
        latest = max(s.next_due_at for s in session.exec(select(Source).where(col(Source.enabled))))
    clock.set(max(latest, clock.now()))


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with HTTPServer() as srv:
        yield srv


def test_conditional_get(engine: Engine, clock: SimulatedClock, server: HTTPServer) -> None:
    """R6: the stored ETag/Last-Modified are sent; 304 parses nothing; a 200 with the same
    ETag is still parsed."""
    body = {"doc": rss(("g1", "Acme one", "x"))}

    def feed(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"' and body["doc"] == rss(("g1", "Acme one", "x")):
            send(h, 304)
        else:
            send(
                h,
                200,
                body["doc"],
                {"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 06:00:00 GMT"},
            )

    server.routes["/f"] = feed
    add(engine, clock, s=server.url("/f"))
    assert collect(engine, clock).new_mentions == 1
    due_now(engine, clock)
    assert collect(engine, clock).new_mentions == 0
    _, headers = server.hits[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 02 Mar 2026 06:00:00 GMT"
    body["doc"] = rss(("g1", "Acme one", "x"), ("g2", "Acme two", "y"))
    due_now(engine, clock)
    assert collect(engine, clock).new_mentions == 1
    assert len(mentions(engine)) == 2


@pytest.mark.parametrize("kind", ["seconds", "date"])
def test_retry_after_is_honoured(
    engine: Engine, clock: SimulatedClock, server: HTTPServer, kind: str
) -> None:
    """R7: 429/503 with Retry-After (seconds or a date): not polled before then."""
    value = (
        "7200" if kind == "seconds" else format_datetime(START + timedelta(hours=2), usegmt=True)
    )
    server.routes["/f"] = lambda h: send(
        h, 429 if kind == "seconds" else 503, headers={"Retry-After": value}
    )
    add(engine, clock, s=server.url("/f"))
    assert collect(engine, clock).failed == 1
    wait = src(engine).next_due_at - clock.now()
    assert timedelta(hours=2) <= wait <= timedelta(hours=2.21)


def test_gone_disables_and_stays_disabled(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R7: 410 Gone disables the source with a reason; a restart does not revive it."""
    server.routes["/f"] = lambda h: send(h, 410)
    add(engine, clock, s=server.url("/f"))
    collect(engine, clock)
    gone = src(engine)
    assert (
        not gone.enabled and gone.disabled_reason == "the server says the feed is gone (HTTP 410)"
    )
    clock.advance(timedelta(days=2))
    add(engine, clock, s=server.url("/f"))
    assert collect(engine, clock).polled == 0
    add(engine, clock, s=server.url("/f2"))
    assert src(engine).enabled


def test_moved_permanently_updates_the_url(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R7: 301 updates the stored URL; the configured one is kept apart."""
    server.routes["/old"] = lambda h: send(h, 301, headers={"Location": "/new"})
    server.routes["/new"] = lambda h: send(h, 200, rss(("g1", "Acme", "x")))
    add(engine, clock, s=server.url("/old"))
    collect(engine, clock)
    moved = src(engine)
    assert (moved.url, moved.config_url) == (server.url("/new"), server.url("/old"))
    due_now(engine, clock)
    collect(engine, clock)
    assert [p for p, _ in server.hits] == ["/old", "/new", "/new"]
    add(engine, clock, s=server.url("/old"))
    assert src(engine).url == server.url("/new")


def test_per_host_limit_and_other_hosts_not_held_up(engine: Engine, clock: SimulatedClock) -> None:
    """R8: 20 due feeds on one host: at most 2 requests to it at once; another host's feed
    is fetched meanwhile."""
    with HTTPServer("127.0.0.3") as busy, HTTPServer("127.0.0.4") as other:

        def slow(h: BaseHTTPRequestHandler) -> None:
            time.sleep(0.1)
            send(h, 200, rss((h.path, "Acme", "x")))

        for i in range(20):
            busy.routes[f"/f{i}"] = slow
        other.routes["/f"] = lambda h: send(h, 200, rss(("o", "Acme", "x")))
        add(engine, clock, **{f"b{i}": busy.url(f"/f{i}") for i in range(20)}, o=other.url("/f"))
        report = collect(engine, clock, max_per_host=2)
    assert report.polled == 21 and report.failed == 0
    assert busy.peak == 2
    assert other.hits


def test_failing_feed_backs_off_and_recovers(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R9: five failures, then the feed recovers by itself; the wait never exceeds a day."""
    state = {"fail": True}
    server.routes["/f"] = lambda h: (
        send(h, 500) if state["fail"] else send(h, 200, rss(("g", "Acme", "x")))
    )
    add(engine, clock, s=server.url("/f"))
    waits = []
    for _ in range(5):
        collect(engine, clock)
        waits.append(src(engine).next_due_at - clock.now())
        due_now(engine, clock)
    assert src(engine).consecutive_failures == 5
    assert waits == sorted(waits) and max(waits) <= timedelta(days=1.1)
    state["fail"] = False
    assert collect(engine, clock).new_mentions == 1
    healthy = src(engine)
    assert (healthy.consecutive_failures, healthy.last_error) == (0, None)


def test_bad_dates_use_the_fetch_time(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R13: missing, garbage, year 1513 and 2999 dates: the fetch time is used."""
    items = "".join(
        f"<item><guid>{i}</guid><title>Acme {i}</title>{date}</item>"
        for i, date in enumerate(
            [
                "",
                "<pubDate>not a date</pubDate>",
                "<pubDate>Mon, 02 Mar 1513 06:00:00 GMT</pubDate>",
                "<pubDate>Mon, 02 Mar 2999 06:00:00 GMT</pubDate>",
                "<pubDate>Mon, 02 Mar 2026 05:00:00 GMT</pubDate>",
            ]
        )
    )
    doc = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    server.routes["/f"] = lambda h: send(h, 200, doc)
    add(engine, clock, s=server.url("/f"))
    collect(engine, clock)
    dates = [m.published_at for m in mentions(engine)]
    assert dates == [START] * 4 + [START - timedelta(hours=2)]


def test_entries_without_ids_are_stored_once(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R14: entries with no guid (and no link), fetched three times: no new mentions after
    the first. R15: a duplicate guid in one document is one row, the rest still stored."""
    doc = rss(
        ("", "Acme no id", "body one"),
        ("", "Acme no id two", "body two"),
        ("d", "Acme", "a"),
        ("d", "Acme", "b"),
    )
    server.routes["/f"] = lambda h: send(h, 200, doc)
    add(engine, clock, s=server.url("/f"))
    counts = []
    for _ in range(3):
        counts.append(collect(engine, clock).new_mentions)
        due_now(engine, clock)
    assert counts == [3, 0, 0]


def test_rewritten_guids_do_not_flood(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """R16: a publisher switching every guid from http to https, or re-issuing ids for the
    same posts, adds no mentions."""
    posts = [
        (f"http://blog.example/p/{i}", f"Acme post {i}", f"Acme did thing number {i} to me today")
        for i in range(5)
    ]
    state = {"doc": rss(*posts)}
    server.routes["/f"] = lambda h: send(h, 200, state["doc"])
    add(engine, clock, s=server.url("/f"))
    assert collect(engine, clock).new_mentions == 5
    state["doc"] = rss(*[(g.replace("http://", "https://www."), t, d) for g, t, d in posts])
    due_now(engine, clock)
    assert collect(engine, clock).new_mentions == 0
    state["doc"] = rss(*[(f"urn:uuid:{i}", t, d) for i, (_, t, d) in enumerate(posts)])
    due_now(engine, clock)
    assert collect(engine, clock).new_mentions == 0
    assert len(mentions(engine)) == 5


def test_concurrent_claimers_never_share_a_source(engine: Engine, clock: SimulatedClock) -> None:
    """Two daemons claiming at once (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE
    on SQLite) get disjoint sets, and a claim blocks others until its lease expires."""
    import threading

    from wommon.collect.poller import claim_due

    add(engine, clock, **{f"s{i}": f"https://s{i}.example/feed" for i in range(40)})
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def claimer(owner: str) -> None:
        barrier.wait()
        with transaction(engine) as session:
            claimed[owner] = [t.id for t in claim_due(session, clock.now(), owner, 25)]

    threads = [threading.Thread(target=claimer, args=(o,)) for o in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 40
    with transaction(engine) as session:
        assert claim_due(session, clock.now(), "c", 100) == []
    clock.advance(timedelta(minutes=6))
    with transaction(engine) as session:
        assert len(claim_due(session, clock.now(), "c", 100)) == 40


def test_templated_posts_with_different_titles_are_kept(
    engine: Engine, clock: SimulatedClock, server: HTTPServer
) -> None:
    """Content fingerprints alone would merge templated posts; their titles keep them apart."""
    body = "Your order has been delayed again and support did not answer the phone today"
    server.routes["/f"] = lambda h: send(
        h, 200, rss(("o1", "Order 1041 late", body), ("o2", "Order 1042 late", body))
    )
    add(engine, clock, s=server.url("/f"))
    assert collect(engine, clock).new_mentions == 2
