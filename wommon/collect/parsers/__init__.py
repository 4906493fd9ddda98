"""One small parser per feed kind, all producing ParsedFeed; adding a kind is one module here
and one line in PARSERS."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import cast

from wommon import defaults, logs
from wommon.collect.entry import ParsedFeed
from wommon.collect.parsers import appstore, googlealerts, jsonfeed, xmlfeed
from wommon.errors import ParseError

log = logs.events(__name__)
Parser = Callable[..., ParsedFeed]

PARSERS: dict[str, Parser] = {
    "rss": xmlfeed.parse,
    "atom": xmlfeed.parse,
    "jsonfeed": jsonfeed.parse,
    "appstore": appstore.parse,
    "googlealerts": googlealerts.parse,
}


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
    pool down, and an orphaned worker would otherwise wait on its pipe forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="wommon-parent-watch", daemon=True).start()


def default_processes() -> int:
    """One parser process per core but one (kept for fetching and storing); none on a
    single core, where a process would only add overhead."""
    return max((os.cpu_count() or 1) - 1, 0)


def _serve(conn: Connection, parent: int, memory_bytes: int) -> None:
    """A parser process: parse what the pipe brings, answer (ok, feed or error), under an
    address-space ceiling so that no document can take the machine's memory."""
    _exit_with_parent(parent)
    limited = None
    if memory_bytes:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (OSError, ValueError) as exc:  # a seccomp filter without setrlimit, say
            limited = f"parser memory limit not set: {exc}"
    conn.send((READY, limited))
    while True:
        try:
            conn.send(_answer(*conn.recv()))
        except EOFError:
            return
        except MemoryError:
            conn.send(("memory", None))
            os._exit(1)  # a process that ran out of memory is not trusted with the next feed


def _answer(kind: str, content: bytes, url: str, content_type: str | None) -> tuple[str, object]:
    try:
        return "ok", parse(kind, content, url=url, content_type=content_type)
    except ParseError as exc:
        return "error", exc
    except MemoryError:
        raise
    except Exception as exc:  # a parser bug costs one feed, not the process
        return "error", ParseError(url, f"parser failed: {exc.__class__.__name__}: {exc}")


READY = "ready"
# A new parser process imports feedparser before it can parse; on a loaded machine that
# takes seconds, and it is not the document's fault.
_START_SECONDS = 120.0


class _Worker:
    """One parser process and its pipe. It parses one document at a time and says when it
    is ready, so the time a call waits here is the document's own parsing time."""

    def __init__(self, memory_bytes: int) -> None:
        self._memory_bytes = memory_bytes
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_serve,
            args=(child, os.getpid(), memory_bytes),
            name="wommon-parser",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._ready = False
        # It ran out of memory and is exiting: never handed another document.
        self._spent = False
        self._stopping = threading.Lock()

    @property
    def alive(self) -> bool:
        return not self._spent and self._process.is_alive()

    def parse(
        self, kind: str, content: bytes, url: str, content_type: str | None, timeout: float
    ) -> ParsedFeed:
        """Raises TimeoutError when the parse overruns, EOFError when the process died."""
        if not self._ready:
            if not self._conn.poll(_START_SECONDS):
                raise EOFError
            ready, problem = self._conn.recv()
            if ready != READY:
                raise EOFError
            if problem:
                log.warning("parser_unlimited", problem=problem)
            self._ready = True
        with contextlib.suppress(OSError):  # it stopped reading: its last word says why
            self._conn.send((kind, content, url, content_type))
        if not self._conn.poll(timeout):
            raise TimeoutError
        status, value = self._conn.recv()
        if status == "ok":
            return cast(ParsedFeed, value)
        if status == "memory":
            self._spent = True
            limit = self._memory_bytes // 2**20
            raise ParseError(url, f"parsing needed more than {limit} MiB of memory: refused")
        raise cast(ParseError, value)

    def stop(self) -> None:
        """End the process and close its pipe, once: at shutdown the pool and the fetch
        thread that held this process may both stop it at the same moment."""
        with self._stopping:
            if self._conn.closed:
                return
            self._process.kill()
            self._process.join(5)
            self._conn.close()


class ParserPool:
    """Parsing is CPU-bound Python (feedparser): with `processes` > 0 it runs in worker
    processes, so fetch threads and database writes are not starved by the GIL.

    Each process has a memory ceiling (RLIMIT_AS), and a parse that overruns `timeout` has
    its process killed and replaced: a hostile document costs one source and one process,
    never the feeds queued behind it. The deadline starts when a process takes the
    document, so waiting for a free process does not count against it."""

    def __init__(
        self, processes: int, timeout: float, memory_bytes: int = defaults.PARSE_MEMORY_BYTES
    ) -> None:
        self._processes = processes
        self._timeout = timeout
        self._memory_bytes = memory_bytes
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        # Free slots; None is a slot whose process is started on first use.
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(processes):
            self._idle.put(None)

    def __call__(
        self, kind: str, content: bytes, *, url: str, content_type: str | None = None
    ) -> ParsedFeed:
        if not self._processes:
            return parse(kind, content, url=url, content_type=content_type)
        worker = self._take(url)
        try:
            if worker is None or not worker.alive:
                worker = self._replace(worker)
            if worker is None:
                raise ParseError(url, "wommon is stopping: not parsed")
            return worker.parse(kind, content, url, content_type, self._timeout)
        except TimeoutError:
            worker = self._replace(worker, start=False)
            raise ParseError(
                url, f"parsing took longer than {self._timeout:g} s (parser process replaced)"
            ) from None
        except (EOFError, OSError):
            worker = self._replace(worker, start=False)
            raise ParseError(url, "the parser process died; parsing will be retried") from None
        finally:
            if self._closed.is_set() and worker is not None:
                worker.stop()
            else:
                self._idle.put(worker)

    def _take(self, url: str) -> _Worker | None:
        while True:
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:
                if self._closed.is_set():
                    raise ParseError(url, "wommon is stopping: not parsed") from None

    def _replace(self, old: _Worker | None, *, start: bool = True) -> _Worker | None:
        with self._lock:
            if old is not None:
                self._workers.discard(old)
                old.stop()
            if not start or self._closed.is_set():
                return None
            worker = _Worker(self._memory_bytes)
            self._workers.add(worker)
            return worker

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            for worker in self._workers:
                worker.stop()
            self._workers.clear()
