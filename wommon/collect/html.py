"""HTML -> plain text and outbound links, for what feeds put in their entries.

It lives in collect because the stored mention keeps clean text and its links: every later
stage (dedupe, analysis, link-following) works on those, never on markup.
"""

from __future__ import annotations

import re
import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_DROP = ("script", "style", "noscript", "template", "iframe")
_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")


def html_to_text(html: str, base_url: str | None = None) -> tuple[str, tuple[str, ...]]:
    """Readable text (paragraphs kept as lines) and the absolute http(s) links in it."""
    if "<" not in html and "&" not in html:
        return _tidy(html), ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    links: list[str] = []
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        absolute = urljoin(base_url, href) if base_url else href
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in links:
            links.append(absolute)
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return _tidy(soup.get_text()), tuple(links)


def _tidy(text: str) -> str:
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
