"""History files: exports -> Entry records (JSON Lines or CSV with url, author, published,
title, text, optionally id; a bad row is skipped with a warning naming file and line), and
OPML lists of feeds to page back through."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from wommon.collect.entry import Entry, build_entry
from wommon.collect.parsers.jsonfeed import MAX_DEPTH as _DEPTH
from wommon.collect.parsers.xmlfeed import refuse_entities
from wommon.errors import ParseError

FIELDS = ("url", "author", "published", "title", "text")


def parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rows(path: Path) -> list[tuple[int, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(handle)
            missing = [f for f in ("title", "text") if f not in (reader.fieldnames or [])]
            if missing and "text" in missing:
                raise ParseError(
                    str(path), f"CSV has no column {missing[0]!r} (expected {', '.join(FIELDS)})"
                )
            return [(reader.line_num, row) for row in reader]
        rows = []
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                rows.append((number, ValueError(f"invalid JSON: {exc.msg}")))
            except RecursionError:
                rows.append((number, ValueError(f"JSON nested deeper than {_DEPTH} levels")))
        return rows


def read_history(path: Path) -> tuple[list[Entry], list[str]]:
    """Entries from a JSON Lines (.jsonl, .ndjson) or CSV (.csv) export, and warnings."""
    try:
        rows = _rows(path)
    except OSError as exc:
        raise ParseError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ParseError(str(path), "not UTF-8 text") from None
    entries: list[Entry] = []
    warnings: list[str] = []
    for number, row in rows:
        if isinstance(row, Exception) or not isinstance(row, dict):
            problem = row if isinstance(row, Exception) else "not an object"
            warnings.append(f"{path}:{number}: {problem}: skipped")
            continue
        text = str(row.get("text") or "")
        title = str(row.get("title") or "")
        if not text and not title:
            warnings.append(f"{path}:{number}: no title or text: skipped")
            continue
        published = parse_date(row.get("published"))
        if row.get("published") and published is None:
            warnings.append(f"{path}:{number}: unreadable date {row.get('published')!r}: skipped")
            continue
        entries.append(
            build_entry(
                guid=str(row["id"]) if row.get("id") else None,
                link=str(row.get("url") or "") or None,
                author=str(row.get("author") or "") or None,
                title=title,
                html=text,
                published=published,
                base_url=str(row.get("url") or path.resolve().as_uri()),
            )
        )
    return entries, warnings


def read_opml(path: Path) -> list[tuple[str, str]]:
    """(title, feed URL) of every outline with an xmlUrl in an OPML list."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read: {exc.strerror or exc}") from None
    refuse_entities(content, str(path))
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        raise ParseError(str(path), f"not OPML: {exc}") from None
    feeds = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url and url.startswith(("http://", "https://")):
            title = outline.get("title") or outline.get("text") or url
            feeds.append((title, url))
    return feeds
