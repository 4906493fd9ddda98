"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from wommon.collect.entry import ParsedFeed, build_entry, finish
from wommon.errors import ParseError


def parse(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    doc = load_json(content, url)
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError(url, "not a JSON Feed: no 'items' list")
    warnings: list[str] = []
    if not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        warnings.append("missing or unknown JSON Feed 'version'")
    entries = []
    for i, item in enumerate(doc["items"]):
        if not isinstance(item, dict):
            warnings.append(f"item {i} is not an object: skipped")
            continue
        html = item.get("content_html") or _escape(
            item.get("content_text") or item.get("summary") or ""
        )
        entries.append(
            build_entry(
                guid=str(item["id"]) if item.get("id") is not None else None,
                link=item.get("url") or item.get("external_url"),
                author=_author(item) or _author(doc),
                title=str(item.get("title") or ""),
                html=str(html),
                published=parse_iso(item.get("date_published") or item.get("date_modified")),
                base_url=url,
            )
        )
    next_url = doc.get("next_url") if isinstance(doc.get("next_url"), str) else None
    return finish(str(doc.get("title", "")), entries, warnings, next_url)


# Python's json module recurses once per level; a document of a million "[" exhausts the
# interpreter's recursion limit (about 1,000) long before memory. Real feeds nest a handful.
MAX_DEPTH = sys.getrecursionlimit()


def load_json(content: bytes, url: str) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError as exc:
        raise ParseError(
            url, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ParseError(url, f"JSON nested deeper than {MAX_DEPTH} levels: refused") from None


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _author(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors") or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
