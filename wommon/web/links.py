"""Links the pages and Slack messages may carry, built so feed text cannot choose them."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def safe_href(url: str | None) -> str | None:
    """`url` when it is an http(s) address a browser will open as a page; None for
    `javascript:`, `data:` and anything else a feed could smuggle into a link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def slack_thread(workspace: str | None, channel: str | None, ts: str | None) -> str | None:
    """The permalink of an incident's Slack message, when the workspace is known."""
    if not (workspace and channel and ts):
        return None
    return f"{workspace}/archives/{quote(channel)}/p{quote(ts.replace('.', ''))}"
