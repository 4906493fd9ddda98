"""History files: exports -> Entry records (JSON Lines, CSV or TSV with url, author,
published, title, text, optionally id, or other column names mapped to those; a bad row is
skipped with a warning naming file and line), and OPML lists of feeds to page back
through."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import dateutil.parser

from wommon.collect.entry import Entry, build_entry
from wommon.collect.parsers.jsonfeed import MAX_DEPTH as _DEPTH
from wommon.collect.parsers.xmlfeed import refuse_entities
from wommon.errors import ParseError

FIELDS = ("url", "author", "published", "title", "text")


CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
# Files that are certainly not text exports: zip (xlsx, docx, ods), PDF, gzip, old Office.
_BINARY = (b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"\xd0\xcf\x11\xe0")


class UnknownFormat(ParseError):
    """The file is neither CSV/TSV nor JSON Lines (an .xlsx, say): nothing was read."""


def parse_date(value: Any, *, dayfirst: bool = False) -> datetime | None:
    """A date as exports write them: ISO 8601, RFC 2822, "2026-11-03 08:00:00 UTC",
    "03/11/2026 08:00" (month first unless `dayfirst`), or Unix seconds. Naive times are
    UTC."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit() and len(text.split(".")[0]) >= 9:
        return datetime.fromtimestamp(float(text), UTC)
    try:
        moment = dateutil.parser.parse(text, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def file_format(path: Path, head: bytes) -> str:
    """ "csv", "tsv" or "jsonl", by the file's extension, else by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return suffix[1:]
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if head.startswith(_BINARY) or b"\x00" in head:
        raise UnknownFormat(
            str(path),
            f"not a text export ({suffix or 'no extension'}): save it as CSV (.csv) or JSON "
            "Lines (.jsonl) with url, author, published, title, text columns",
        )
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        return "jsonl"
    line = head.split(b"\n", 1)[0]
    if b"\t" in line:
        return "tsv"
    if b"," in line:
        return "csv"
    raise UnknownFormat(
        str(path),
        f"cannot tell the format of a {suffix or 'no-extension'} file: name it .csv or .jsonl",
    )


def _rows(path: Path, mapping: dict[str, str]) -> list[tuple[int, Any]]:
    with path.open("rb") as raw:
        kind = file_format(path, raw.read(4096))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if kind in ("csv", "tsv"):
            reader = csv.DictReader(handle, delimiter="\t" if kind == "tsv" else ",")
            columns = reader.fieldnames or []
            text_column = mapping.get("text", "text")
            if text_column not in columns:
                raise ParseError(
                    str(path),
                    f"no column {text_column!r} for the text; the columns are "
                    f"{', '.join(map(repr, columns))} (map one: --map text=COLUMN)",
                )
            return [(reader.line_num, _mapped(row, mapping)) for row in reader]
        rows = []
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                found = json.loads(line)
                rows.append((number, _mapped(found, mapping) if isinstance(found, dict) else found))
            except json.JSONDecodeError as exc:
                rows.append((number, ValueError(f"invalid JSON: {exc.msg}")))
            except RecursionError:
                rows.append((number, ValueError(f"JSON nested deeper than {_DEPTH} levels")))
        return rows


def _mapped(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """The row with our field names: `mapping` says which column holds each field."""
    if not mapping:
        return row
    return {**row, **{ours: row.get(theirs) for ours, theirs in mapping.items()}}


def parse_mapping(text: str | None) -> dict[str, str]:
    """ "text=body,published=date" -> {"text": "body", "published": "date"}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        if not sep or ours.strip() not in (*FIELDS, "id") or not theirs.strip():
            raise ValueError(
                f"{part.strip()!r}: write FIELD=COLUMN, FIELD one of {', '.join((*FIELDS, 'id'))}"
            )
        mapping[ours.strip()] = theirs.strip()
    return mapping


def read_history(
    path: Path, *, dayfirst: bool = False, mapping: dict[str, str] | None = None
) -> tuple[list[Entry], list[str]]:
    """Entries from a JSON Lines or CSV/TSV export, and warnings. The format comes from
    the extension, else from the content; `mapping` renames columns to our fields."""
    try:
        rows = _rows(path, mapping or {})
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
        published = parse_date(row.get("published"), dayfirst=dayfirst)
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
