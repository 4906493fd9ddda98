"""One fetch for every collector: address guard, deadline, size cap, conditional GET.

feedparser has no timeout of its own and will happily read a 2 GB body, so the bytes are
fetched here, under limits, and only then handed to the parser. requests' `timeout` bounds
each socket operation, not the request, so a watchdog cuts the connection at the deadline:
a server dripping a byte every few seconds is stopped on time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import requests

from wommon import __version__, defaults
from wommon.collect.guard import AddressPolicy, BlockedAddressError, cut, guarded_adapter, watch
from wommon.config import CollectSettings
from wommon.errors import FetchError

_CHUNK = 64 * 1024
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchLimits:
    timeout_seconds: float = defaults.FETCH_TIMEOUT_SECONDS
    max_bytes: int = defaults.FETCH_MAX_BYTES
    max_redirects: int = defaults.FETCH_MAX_REDIRECTS
    user_agent: str = defaults.USER_AGENT
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    pool_size: int = defaults.FETCH_WORKERS

    @classmethod
    def from_settings(cls, c: CollectSettings) -> FetchLimits:
        """The limits `[collect]` sets: the daemon and backfill fetch alike."""
        return cls(
            timeout_seconds=c.timeout_seconds,
            max_bytes=c.max_bytes,
            max_redirects=c.max_redirects,
            user_agent=c.user_agent,
            policy=AddressPolicy.from_strings(c.allow_networks),
            pool_size=c.workers,
        )


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HTTPStatusError(FetchError):
    """The server answered with an error status; 410 and Retry-After matter to the poller."""

    def __init__(self, url: str, status: int, reason: str, retry_after: str | None) -> None:
        super().__init__(url, f"HTTP {status} {reason}".strip())
        self.status = status
        self.retry_after = retry_after


def new_session(limits: FetchLimits) -> requests.Session:
    session = requests.Session()
    # A proxy from the environment would connect on our behalf, bypassing the address guard.
    session.trust_env = False
    session.max_redirects = limits.max_redirects
    session.headers["User-Agent"] = limits.user_agent.format(version=__version__)
    session.headers["Accept"] = _ACCEPT
    adapter = guarded_adapter(limits.policy, limits.pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`; it may be a number or an HTTP date."""
    if not header:
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now) / timedelta(seconds=1), 0.0)


def fetch(
    session: requests.Session,
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET `url` within `limits`; raise FetchError saying what went wrong.

    The size cap counts decoded bytes, so a small gzip body that inflates to gigabytes is
    stopped at the cap.
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.monotonic()
    deadline = started + limits.timeout_seconds
    current = watch()
    timer = threading.Timer(limits.timeout_seconds, cut, (current,))
    timer.daemon = True
    timer.start()
    try:
        with session.get(
            url,
            headers=headers,
            timeout=(min(10.0, limits.timeout_seconds), limits.timeout_seconds),
            stream=True,
            allow_redirects=True,
        ) as response:
            moved_to = _moved_to(response)
            if response.status_code == 304:
                return _result(response, None, moved_to)
            if response.status_code >= 400:
                raise HTTPStatusError(
                    url,
                    response.status_code,
                    response.reason or "",
                    response.headers.get("Retry-After"),
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(
                    url, f"body of {declared} bytes exceeds the {limits.max_bytes}-byte cap"
                )
            body = bytearray()
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError(url, f"body exceeds the {limits.max_bytes}-byte cap")
                if time.monotonic() > deadline:
                    raise FetchError(url, f"took longer than {limits.timeout_seconds:g} s")
            if current.expired:
                # The deadline cut the connection: what arrived is a fragment, not a feed.
                raise FetchError(url, f"took longer than {limits.timeout_seconds:g} s")
            return _result(response, bytes(body), moved_to)
    except FetchError:
        raise
    except requests.TooManyRedirects:
        raise FetchError(url, f"more than {limits.max_redirects} redirects") from None
    except requests.RequestException as exc:
        if current.expired:
            raise FetchError(url, f"took longer than {limits.timeout_seconds:g} s") from None
        blocked = _find(exc, BlockedAddressError)
        if isinstance(blocked, BlockedAddressError):
            raise FetchError(url, blocked.message) from None
        if isinstance(exc, requests.Timeout):
            raise FetchError(url, f"timed out after {limits.timeout_seconds:g} s") from None
        if isinstance(exc, requests.ConnectionError):
            raise FetchError(url, f"cannot connect: {_reason(exc)}") from None
        raise FetchError(url, f"request failed: {_reason(exc)}") from None
    except Exception as exc:
        if current.expired:
            raise FetchError(url, f"took longer than {limits.timeout_seconds:g} s") from None
        raise FetchError(url, f"request failed: {_reason(exc)}") from None
    finally:
        timer.cancel()


def _moved_to(response: requests.Response) -> str | None:
    """The new address when the first hop was a permanent redirect (301/308)."""
    if response.history and response.history[0].status_code in (301, 308):
        location = response.history[0].headers.get("Location")
        if location:
            return urljoin(response.history[0].url, location)
    return None


def _result(
    response: requests.Response, content: bytes | None, moved_to: str | None
) -> FetchResult:
    return FetchResult(
        url=response.url,
        status=response.status_code,
        content=content,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        moved_to=moved_to,
    )


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kind):
            return item
        stack.extend(x for x in (item.__cause__, item.__context__) if x is not None)
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
        reason = getattr(item, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return None


def _reason(exc: Exception) -> str:
    """The innermost cause, which says far more than urllib3's wrapper chain."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or inner.__class__.__name__
    return text if len(text) < 300 else text[:297] + "..."
