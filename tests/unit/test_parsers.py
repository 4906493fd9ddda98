from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from tests.support import DATA
from tests.support.http_server import rss
from wommon.cli import main
from wommon.collect.entry import canonical_url, fingerprint, hamming, make_uid
from wommon.collect.html import html_to_text
from wommon.collect.parsers import parse, sniff
from wommon.collect.parsers.xmlfeed import parse as parse_feed
from wommon.errors import ParseError


def test_json_feed() -> None:
    feed = parse(
        "jsonfeed", (DATA / "jsonfeed.json").read_bytes(), url="https://watch.example/feed.json"
    )
    assert feed.title == "Acme watchers"
    first, second = feed.entries
    assert (first.uid, first.title, first.author) == ("1", "Acme cut my line", "Ana")
    assert first.text == "Acme cut my line again."
    assert first.links == ("https://other.example/x",)
    assert first.published_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert second.text == "No title, text <b>only</b>"
    assert second.author == "Feed Author"
    assert second.published_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert feed.warnings == ("item 2 is not an object: skipped",)


def test_json_feed_errors_name_the_problem() -> None:
    with pytest.raises(ParseError, match=r"invalid JSON at line 1 column 2"):
        parse("jsonfeed", b"{oops", url="u")
    with pytest.raises(ParseError, match="no 'items' list"):
        parse("jsonfeed", b'{"version": "x"}', url="u")


def test_app_store_reviews() -> None:
    feed = parse(
        "appstore", (DATA / "appstore.json").read_bytes(), url="https://itunes.apple.com/x"
    )
    bad, good = feed.entries
    assert bad.uid == "11223344"
    assert bad.title == "★☆☆☆☆ Charged twice"
    assert bad.text == "The app charged me twice & support <never> answered."
    assert bad.author == "angrycustomer"
    assert bad.published_at == datetime(2026, 3, 1, 15, tzinfo=UTC)
    assert good.title.startswith("★★★★★")
    with pytest.raises(ParseError, match="no 'feed' object"):
        parse("appstore", b"[]", url="u")


def test_google_alerts_links_are_unwrapped() -> None:
    feed = parse(
        "googlealerts",
        (DATA / "googlealerts.xml").read_bytes(),
        url="https://www.google.com/alerts/feeds/1/2",
    )
    (entry,) = feed.entries
    assert entry.url == "https://news.example/acme-outage?utm_source=alerts"
    assert entry.uid == "news.example/acme-outage"
    assert entry.title == "Acme customers report outage"
    assert entry.author is None


def test_sniff() -> None:
    assert sniff((DATA / "jsonfeed.json").read_bytes()) == "jsonfeed"
    assert sniff((DATA / "appstore.json").read_bytes()) == "appstore"
    assert sniff((DATA / "googlealerts.xml").read_bytes()) == "googlealerts"
    assert sniff((DATA / "atom.xml").read_bytes()) == "rss"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://blog.example/p/1", "https://www.blog.example/p/1/"),
        ("https://blog.example/p?id=3&utm_source=x", "https://blog.example/p?id=3"),
        ("HTTPS://Blog.Example:443/p", "http://blog.example/p"),
    ],
)
def test_canonical_urls_match(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


def test_uid_rules() -> None:
    assert make_uid("abc", "https://x/1", "t", "b") == "abc"
    assert make_uid(None, "https://www.x.example/1", "t", "b") == "x.example/1"
    assert make_uid("", None, "t", "b") == make_uid(None, None, "t", "b")
    assert make_uid("", None, "t", "b") != make_uid(None, None, "t", "c")


def test_fingerprint_marks_near_copies() -> None:
    original = fingerprint(
        "Acme charged me twice",
        "I was charged twice by Acme and support hung up on me. Still no refund.",
    )
    syndicated = fingerprint(
        "Acme charged me twice",
        "I was charged twice by Acme and support hung up on me. Still no refund!",
    )
    other = fingerprint(
        "Acme launches plan", "Acme announced a cheaper family plan with shared data today."
    )
    assert original and syndicated and other
    assert hamming(original, syndicated) <= 3
    assert hamming(original, other) > 10
    assert fingerprint("", "two words") is None


def test_inspect_prints_json_lines_and_never_crashes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    ok = runner.invoke(main, ["inspect", str(DATA / "appstore.json")])
    assert ok.exit_code == 0
    lines = ok.stdout.strip().splitlines()
    assert len(lines) == 2 and '"uid": "11223344"' in lines[0] and '"language": "en"' in lines[0]
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"\x00\x01<<<")
    bad = runner.invoke(main, ["inspect", str(garbage)])
    assert bad.exit_code == 1 and "error: file://" in bad.output
    refused = runner.invoke(main, ["inspect", "http://127.0.0.1:9/feed"])
    assert refused.exit_code == 1 and "(loopback)" in refused.output


def test_parser_pool_parses_in_a_process_and_reports_errors() -> None:
    """Parse errors cross the process boundary intact; a parser process exits with its
    parent (checked by the pool's initializer watching the parent pid)."""
    from wommon.collect.parsers import ParserPool

    pool = ParserPool(1, timeout=30)
    try:
        feed = pool("rss", (DATA / "rss2.xml").read_bytes(), url="https://blog.example/feed")
        assert feed.entries[0].uid == "post-1"
        assert feed.entries[0].fingerprint is not None
        with pytest.raises(ParseError, match=r"^https://x\.example/f: ") as info:
            pool("rss", b"<html>no</html>", url="https://x.example/f")
        assert info.value.url == "https://x.example/f"
    finally:
        pool.close()


def _big_feed(entries: int) -> bytes:
    return rss(
        *[(f"g{i}", f"Acme post {i}", f"Acme text number {i} " * 10) for i in range(entries)]
    )


def test_parser_process_over_its_deadline_is_replaced() -> None:
    """A parse that overruns its deadline has its process killed and replaced: the next
    document parses, and a document that waited for a free process meanwhile is not
    charged for the wait."""
    from wommon.collect.parsers import ParserPool

    pool = ParserPool(1, timeout=0.05)
    try:
        pool("rss", rss(("warm", "Acme", "x")), url="https://x.example/warm")
        (worker,) = pool._workers
        with pytest.raises(ParseError, match=r"longer than 0\.05 s"):
            pool("rss", _big_feed(20_000), url="https://x.example/big")
        assert not worker.alive
        assert pool("rss", rss(("g1", "Acme", "x")), url="https://x.example/f").entries
    finally:
        pool.close()

    pool = ParserPool(1, timeout=2.0)
    try:
        pool("rss", rss(("warm", "Acme", "x")), url="https://x.example/warm")
        with ThreadPoolExecutor(2) as threads:
            slow = threads.submit(pool, "rss", _big_feed(20_000), url="https://x.example/big")
            while not pool._idle.empty():
                time.sleep(0.01)  # readiness: the big document holds the only process
            quick = threads.submit(pool, "rss", rss(("g2", "Acme", "y")), url="https://x.example/q")
            assert quick.result(60).entries[0].uid == "g2"
            with pytest.raises(ParseError, match="longer than"):
                slow.result(60)
    finally:
        pool.close()


def test_parser_process_has_a_memory_ceiling() -> None:
    """A document that needs more memory than the parser may map is refused, and the
    process that ran out is replaced."""
    from wommon.collect.parsers import ParserPool

    pool = ParserPool(1, timeout=120, memory_bytes=400 * 2**20)
    try:
        with pytest.raises(ParseError, match="more than 400 MiB of memory"):
            pool("rss", rss(("g", "Acme", "Acme word " * 1_000_000)), url="https://x.example/big")
        assert pool("rss", rss(("g1", "Acme", "x")), url="https://x.example/f").entries
    finally:
        pool.close()


def test_deeply_nested_json_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A JSON document of 200,000 nested arrays is refused by name in `inspect` and in a
    history file, never a traceback."""
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 200_000)
    runner = CliRunner()
    result = runner.invoke(main, ["inspect", str(deep), "--kind", "jsonfeed"])
    assert result.exit_code == 1 and "nested deeper than" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    from wommon.collect.history import read_history

    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"title": "Acme", "text": "ok"}\n' + "[" * 200_000 + "\n")
    entries, warnings = read_history(lines)
    assert len(entries) == 1 and any("nested deeper than" in w for w in warnings)


def test_every_configurable_kind_has_a_parser() -> None:
    from wommon.collect.parsers import PARSERS
    from wommon.config import SOURCE_KINDS

    assert set(PARSERS) == set(SOURCE_KINDS)


def test_inspect_finds_the_feeds_of_an_html_page_and_analyses_with_a_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A blog's HTML page lists the feeds it links to (not "mismatched tag"); a refused
    loopback URL says how to allow it; --analyze adds brand, verdict and aspect."""
    from tests.support.http_server import HTTPServer, send

    page = (
        b"<!DOCTYPE html><html><head><title>Blog</title>"
        b'<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">'
        b'<link rel="alternate" type="application/feed+json" href="https://blog.example/feed.json">'
        b'<link rel="stylesheet" href="/s.css"></head><body>hi</body></html>'
    )
    runner = CliRunner()
    with HTTPServer() as server:
        server.routes["/"] = lambda h: send(h, 200, page, {"Content-Type": "text/html"})
        listed = runner.invoke(
            main, ["inspect", server.url("/"), "--allow-network", "127.0.0.1/32"]
        )
        refused = runner.invoke(main, ["inspect", server.url("/")])
    assert listed.exit_code == 0, listed.output
    assert f"{server.url('/feed.xml')}\trss\tPosts" in listed.output
    assert "https://blog.example/feed.json\tjsonfeed" in listed.output
    assert refused.exit_code == 1 and "--allow-network 127.0.0.1/32" in refused.output
    cfg = tmp_path / "w.toml"
    cfg.write_text('[[brands]]\nname = "Acme"\n')
    analysed = runner.invoke(main, ["inspect", str(DATA / "rss2.xml"), "--analyze", str(cfg)])
    first = json.loads(next(line for line in analysed.output.splitlines() if line.startswith("{")))
    assert (
        first["brand"] == "Acme" and first["negative"] is True and first["aspect"] == "compliance"
    )


# --- feeds as parsed entries --------------------------------------------------------------


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


def test_a_parser_process_stopped_from_two_threads_at_once_stops_once() -> None:
    """At shutdown the pool stops its processes while a fetch thread whose parse just ended
    stops the one it holds: both may stop the same process, and neither may fail (closing
    its pipe twice was a "Bad file descriptor" that made `wommon run` exit 1)."""
    from wommon.collect.parsers import _Worker

    failures: list[BaseException] = []

    def stop(worker: _Worker, both: threading.Barrier) -> None:
        both.wait()
        try:
            worker.stop()
        except BaseException as exc:  # any failure is the finding
            failures.append(exc)

    for _ in range(50):
        worker, both = _Worker(0), threading.Barrier(2)
        threads = [threading.Thread(target=stop, args=(worker, both)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures, failures
        assert not worker.alive
