"""One fetch for every collector: timeouts, a total deadline, a size cap, conditional GET.

feedparser has no timeout of its own and will happily read a 2 GB body, so the bytes are
fetched here, under limits, and only then handed to the parser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from wommon import __version__, defaults
from wommon.errors import FetchError

_CHUNK = 16 * 1024
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchLimits:
    timeout_seconds: float = defaults.FETCH_TIMEOUT_SECONDS
    max_bytes: int = defaults.FETCH_MAX_BYTES
    max_redirects: int = defaults.FETCH_MAX_REDIRECTS
    user_agent: str = defaults.USER_AGENT


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes | None
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def new_session(limits: FetchLimits) -> requests.Session:
    session = requests.Session()
    session.max_redirects = limits.max_redirects
    session.headers["User-Agent"] = limits.user_agent.format(version=__version__)
    session.headers["Accept"] = _ACCEPT
    return session


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
    stopped at the cap. The deadline is wall time for the whole transfer, because requests'
    own timeout only bounds each socket operation.
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + limits.timeout_seconds
    connect_timeout = min(10.0, limits.timeout_seconds)
    try:
        with session.get(
            url,
            headers=headers,
            timeout=(connect_timeout, limits.timeout_seconds),
            stream=True,
            allow_redirects=True,
        ) as response:
            if response.status_code == 304:
                return _result(response, None)
            if response.status_code >= 400:
                raise FetchError(
                    url, f"HTTP {response.status_code} {response.reason or ''}".strip()
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(
                    url, f"body of {declared} bytes exceeds the {limits.max_bytes}-byte cap"
                )
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError(url, f"body exceeds the {limits.max_bytes}-byte cap")
                if time.monotonic() > deadline:
                    raise FetchError(url, f"took longer than {limits.timeout_seconds:g} s")
            return _result(response, bytes(body))
    except requests.TooManyRedirects:
        raise FetchError(url, f"more than {limits.max_redirects} redirects") from None
    except requests.Timeout:
        raise FetchError(url, f"timed out after {limits.timeout_seconds:g} s") from None
    except requests.ConnectionError as exc:
        raise FetchError(url, f"cannot connect: {_reason(exc)}") from None
    except requests.RequestException as exc:
        raise FetchError(url, f"request failed: {_reason(exc)}") from None


def _result(response: requests.Response, content: bytes | None) -> FetchResult:
    return FetchResult(
        url=response.url,
        status=response.status_code,
        content=content,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _reason(exc: Exception) -> str:
    """The innermost cause, which says far more than urllib3's wrapper chain."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or inner.__class__.__name__
    return text if len(text) < 300 else text[:297] + "..."
