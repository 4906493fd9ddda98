"""Reading Slack's answers, for both ways of posting (the Web API and a webhook): how long
it asks to wait, and an error's text with every secret masked."""

from __future__ import annotations

import re
from typing import Any


def retry_after(headers: Any) -> float | None:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value is not None:
            try:
                return float(value if isinstance(value, str) else value[0])
            except (TypeError, ValueError, IndexError):
                return None
    return None


def safe(exc: BaseException) -> str:
    """An exception's text without anything that looks like a Slack secret."""
    text = re.sub(r"xox[a-z]-[A-Za-z0-9-]+", "xox?-***", str(exc))
    return re.sub(r"https://hooks\.slack\.com/\S+", "https://hooks.slack.com/***", text)[:300]
