"""One small parser per feed kind, all producing ParsedFeed; adding a kind is one module here
and one line in PARSERS."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from wommon.collect.entry import ParsedFeed
from wommon.collect.parsers import appstore, googlealerts, jsonfeed, xmlfeed
from wommon.errors import ParseError

Parser = Callable[..., ParsedFeed]

PARSERS: dict[str, Parser] = {
    "rss": xmlfeed.parse,
    "atom": xmlfeed.parse,
    "jsonfeed": jsonfeed.parse,
    "appstore": appstore.parse,
    "googlealerts": googlealerts.parse,
}
KINDS = tuple(PARSERS)


def parse(kind: str, content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    return PARSERS[kind](content, url=url, content_type=content_type)


def sniff(content: bytes) -> str:
    """Best guess of a document's kind, for `wommon inspect` on an unknown file."""
    head = content.lstrip()[:4096]
    if head.startswith((b"{", b"[")):
        return "appstore" if b'"im:rating"' in content[:200_000] else "jsonfeed"
    if b"google.com/url" in content[:200_000] and b"tag:google.com" in content[:200_000]:
        return "googlealerts"
    return "rss"


def _exit_with_parent(parent: int) -> None:
    """In a parser process: exit when the daemon is gone. A SIGKILLed daemon cannot shut its
    pool down, and an orphaned worker would otherwise wait on its queue forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="wommon-parent-watch", daemon=True).start()


def default_processes() -> int:
    """One parser process per core but one (kept for fetching and storing); none on a
    single core, where a process would only add overhead."""
    return max((os.cpu_count() or 1) - 1, 0)


class ParserPool:
    """Parsing is CPU-bound Python (feedparser): with `processes` > 0 it runs in worker
    processes, so fetch threads and database writes are not starved by the GIL, and a
    parse that hangs costs a timeout instead of a thread."""

    def __init__(self, processes: int, timeout: float) -> None:
        self._processes = processes
        self._timeout = timeout
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor | None:
        if not self._processes:
            return None
        return ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )

    def __call__(
        self, kind: str, content: bytes, *, url: str, content_type: str | None = None
    ) -> ParsedFeed:
        if self._pool is None:
            return parse(kind, content, url=url, content_type=content_type)
        future = self._pool.submit(parse, kind, content, url=url, content_type=content_type)
        try:
            return future.result(self._timeout)
        except FutureTimeout:
            raise ParseError(url, f"parsing took longer than {self._timeout:g} s") from None
        except BrokenProcessPool:
            self._pool = self._new_pool()
            raise ParseError(url, "the parser process died; parsing will be retried") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
