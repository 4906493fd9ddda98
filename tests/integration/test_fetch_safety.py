"""Fetching the hostile web: cases R1-R5 and R10-R12 against real loopback servers."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler

import pytest

from tests.support.http_server import HTTPServer, rss, send
from wommon.collect import guard
from wommon.collect.guard import AddressPolicy
from wommon.collect.http import FetchLimits, fetch, new_session
from wommon.collect.parsers.xmlfeed import parse
from wommon.errors import FetchError, ParseError

LOOPBACK = AddressPolicy.from_strings(["127.0.0.0/8"])
FEED = rss(("g1", "Acme", "hello"))


def limits(**kw: object) -> FetchLimits:
    base: dict[str, object] = {"timeout_seconds": 5, "policy": LOOPBACK}
    base.update(kw)
    return FetchLimits(**base)  # type: ignore[arg-type]


def get(url: str, lim: FetchLimits | None = None):  # type: ignore[no-untyped-def]
    lim = lim or limits()
    with new_session(lim) as http:
        return fetch(http, url, lim)


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with HTTPServer() as srv:
        srv.routes["/feed"] = lambda h: send(h, 200, FEED)
        yield srv


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private network"),
        ("192.168.0.1", "private network"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("fc00::1", "private network"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "private network"),
        ("100.64.0.1", "not globally routable"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_policy(address: str, reason: str | None) -> None:
    """R1: private, loopback, link-local and reserved addresses are refused by default."""
    assert AddressPolicy().refusal(ipaddress.ip_address(address)) == reason
    assert (
        AddressPolicy.from_strings(["0.0.0.0/0", "::/0"]).refusal(ipaddress.ip_address(address))
        is None
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "localhost"])
def test_loopback_refused_before_connecting(server: HTTPServer, host: str) -> None:
    """R1: 127.0.0.1, its decimal form and localhost are refused; the server sees nothing."""
    port = server.base.rsplit(":", 1)[1]
    lim = limits(policy=AddressPolicy())
    with pytest.raises(FetchError, match=r"refused: .* resolves to 127\.0\.0\.1 \(loopback\)"):
        get(f"http://{host}:{port}/feed", lim)
    assert server.hits == []


def test_redirect_to_a_private_address_is_refused() -> None:
    """R2: every hop is re-checked: an allowed host redirecting to a refused one fails."""
    with HTTPServer("127.0.0.2") as public, HTTPServer("127.0.0.1") as private:
        private.routes["/secret"] = lambda h: send(h, 200, FEED)
        public.routes["/feed"] = lambda h: send(
            h, 302, headers={"Location": private.url("/secret")}
        )
        lim = limits(policy=AddressPolicy.from_strings(["127.0.0.2/32"]))
        with pytest.raises(FetchError, match=r"127\.0\.0\.1 \(loopback\)"):
            get(public.url("/feed"), lim)
        assert private.hits == []
        assert [p for p, _ in public.hits] == ["/feed"]


def test_connection_uses_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """R2 (DNS rebinding): the host is resolved once per connection and that address is used;
    a second answer pointing elsewhere is never consulted."""
    answers = ["127.0.0.2", "127.0.0.1"]
    calls: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "feeds.test":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        return real(answers[min(len(calls) - 1, 1)], port, *args, **kwargs)

    monkeypatch.setattr(guard.socket, "getaddrinfo", rebinding)
    with HTTPServer("127.0.0.2") as good:
        good.routes["/feed"] = lambda h: send(h, 200, FEED)
        port = good.base.rsplit(":", 1)[1]
        result = get(
            f"http://feeds.test:{port}/feed",
            limits(policy=AddressPolicy.from_strings(["127.0.0.2/32"])),
        )
    assert result.content == FEED
    assert calls == ["feeds.test"]


def _drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.2)


def _silent(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(5)


@pytest.mark.parametrize("route", [_drip, _silent])
def test_total_deadline(server: HTTPServer, route) -> None:  # type: ignore[no-untyped-def]
    """R3: a server dripping a byte at a time, or never answering, is cut at the deadline."""
    server.routes["/slow"] = route
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"took longer than 1 s|timed out after 1 s"):
        get(server.url("/slow"), limits(timeout_seconds=1))
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("length", [True, False])
def test_a_body_cut_off_at_the_deadline_is_an_error(server: HTTPServer, length: bool) -> None:
    """R3: two thirds of a feed and then silence is a failed fetch, not a shorter feed:
    nothing of it reaches the parser (with or without a Content-Length)."""
    doc = rss(*[(f"g{i}", f"Acme post {i}", "Acme text " * 50) for i in range(30)])
    release = threading.Event()

    def stall(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if length:
            handler.send_header("Content-Length", str(len(doc)))
        handler.end_headers()
        handler.wfile.write(doc[: len(doc) * 2 // 3])
        handler.wfile.flush()
        release.wait(10)

    server.routes["/stall"] = stall
    try:
        with pytest.raises(FetchError, match=r"took longer than 1 s|timed out after 1 s"):
            get(server.url("/stall"), limits(timeout_seconds=1))
    finally:
        release.set()


def test_size_caps(server: HTTPServer) -> None:
    """R4: a large body, a lying Content-Length and a gzip bomb all stop at the cap."""
    big = b"<rss>" + b"x" * 3_000_000 + b"</rss>"
    server.routes["/big"] = lambda h: send(h, 200, big, {"Content-Length": str(len(big))})

    def lying(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(big)

    bomb = gzip.compress(b"\0" * 50_000_000)
    server.routes["/lying"] = lying
    server.routes["/bomb"] = lambda h: send(h, 200, bomb, {"Content-Encoding": "gzip"})
    lim = limits(max_bytes=1_000_000)
    with pytest.raises(FetchError, match="exceeds the 1000000-byte cap"):
        get(server.url("/big"), lim)
    result = get(server.url("/lying"), lim)
    assert len(result.content or b"") <= 1_000_000
    tracemalloc.start()
    with pytest.raises(FetchError, match="exceeds the 1000000-byte cap"):
        get(server.url("/bomb"), lim)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(bomb) < 100_000 and peak < 20_000_000


def test_redirect_loops_and_long_chains_fail_fast(server: HTTPServer) -> None:
    """R5: a loop, or 30 hops, fails after the redirect limit."""
    server.routes["/loop"] = lambda h: send(h, 302, headers={"Location": "/loop"})
    for i in range(30):
        server.routes[f"/hop{i}"] = lambda h, i=i: send(
            h, 301, headers={"Location": f"/hop{i + 1}"}
        )
    with pytest.raises(FetchError, match="more than 5 redirects"):
        get(server.url("/loop"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        get(server.url("/hop0"))
    assert len(server.hits) <= 2 * 6


def test_permanent_redirect_is_reported(server: HTTPServer) -> None:
    server.routes["/old"] = lambda h: send(h, 301, headers={"Location": "/feed"})
    server.routes["/tmp"] = lambda h: send(h, 302, headers={"Location": "/feed"})
    assert get(server.url("/old")).moved_to == server.url("/feed")
    assert get(server.url("/tmp")).moved_to is None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>&xxe;</title></item></channel></rss>"""


def test_billion_laughs_is_rejected_fast_and_small() -> None:
    """R10: an entity bomb is rejected in under a second and 50 MB."""
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(BILLION_LAUGHS, url="u")
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1 and peak < 50_000_000
    utf16 = (
        BILLION_LAUGHS.decode()
        .replace('version="1.0"?', 'version="1.0" encoding="utf-16"?')
        .encode("utf-16")
    )
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(utf16, url="u")


def hidden_bomb(encoding: str) -> bytes:
    """An entity declaration behind a 70 KB comment, 20,000 references to 50 KB each."""
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!--{"x" * 70_000}-->\n'
        f'<!DOCTYPE rss [<!ENTITY a "{"A" * 50_000}">]>\n'
        f'<rss version="2.0"><channel><title>t</title><item><guid>1</guid>'
        f"<title>{'&a;' * 20_000}</title></item></channel></rss>"
    )
    return doc.encode("cp037" if encoding == "cp037" else "utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "cp037"])
def test_entity_declarations_are_refused_anywhere_in_any_encoding(encoding: str) -> None:
    """R10: a declaration past the first 64 KiB, or in EBCDIC, is refused as fast and small
    as one in the prolog, before feedparser (and its loose fallback) sees it."""
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(hidden_bomb(encoding), url="u")
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1 and peak < 50_000_000


def test_external_entities_are_never_read() -> None:
    """R11: an external entity (file:///etc/passwd) is refused; nothing is read."""
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(XXE, url="u")
    external_dtd = XXE.replace(
        b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]', b'SYSTEM "file:///etc/passwd"'
    )
    feed = parse(external_dtd.replace(b"&xxe;", b"plain"), url="u")
    assert "root:" not in repr(feed)


def test_wrong_charsets_give_valid_unicode() -> None:
    """R12: a wrong declared charset and invalid UTF-8 still give valid text."""
    latin1 = rss(("g1", "Caf\xe9 Acme", "se\xf1or")).decode().encode("latin-1")
    feed = parse(latin1, url="u")
    assert feed.entries and feed.entries[0].title.encode("utf-8")
    broken = rss(("g2", "Acme", "ok")).replace(b"ok", b"ok \xff\xfe bad")
    feed = parse(broken, url="u")
    assert feed.entries[0].text.startswith("ok")
    bom = b"\xef\xbb\xbf" + rss(("g3", "Acme ñ", "x"))
    assert parse(bom, url="u").entries[0].title == "Acme ñ"
