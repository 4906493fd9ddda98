"""Secrets out of text: URL passwords, token-like query parameters, Slack tokens and hooks.

Feed URLs may carry credentials (`https://alice:pass@host/feed`, `?token=...`); they are
needed to fetch, never to read. Errors are made with the redacted URL, and every log line
and CLI message passes through `redact_text` as a second line.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
# Query parameters that name a secret: api_key, access_token, sig, X-Amz-Signature, ...
_SECRET_PARAM = re.compile(
    r"(token|key|secret|passw(or)?d|pwd|auth|sig(nature)?|credential|session)", re.IGNORECASE
)
_PATTERNS = (
    # Slack tokens and incoming-webhook URLs.
    (re.compile(r"xox[a-z]-[A-Za-z0-9-]+"), MASK),
    (re.compile(r"xapp-[A-Za-z0-9-]+"), MASK),
    (re.compile(r"https://hooks\.slack\.com/[^\s'\"]+"), MASK),
    # user:password@ in any URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@'\"]+:[^/\s@'\"]*@"), rf"\1{MASK}@"),
    # ?token=... and &api_key=... in any URL.
    (
        re.compile(
            r"(?i)([?&;][^=&\s'\"#]*(?:token|key|secret|passw(?:or)?d|pwd|auth|sig(?:nature)?"
            r"|credential|session)[^=&\s'\"#]*=)[^&\s'\"#]+"
        ),
        rf"\1{MASK}",
    ),
)


def redact_url(url: str) -> str:
    """The URL without its password or secret-looking query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(k) for k, _ in pairs):
            query = urlencode(
                [(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Mask every secret-looking piece of a free text (a log line, an error message)."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
