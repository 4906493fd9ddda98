"""Where a key sits in a TOML file, so a config error can say "file:line: key: problem".

tomllib reports values, not positions; this walks the text for the table and key a
validation error points at. Best effort: when it cannot tell, the message names the file.
"""

from __future__ import annotations

import re


def describe(text: str, source: str, loc: tuple[str | int, ...], msg: str) -> str:
    """`file:line: key.path[i].name: msg` for the key at `loc` (a pydantic error location)."""
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    line = _locate(text, loc)
    where = f"{source}:{line}" if line else source
    return f"{where}: {key or '(top level)'}: {msg}"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _locate(text: str, loc: tuple[str | int, ...]) -> int | None:
    """Best-effort line number of a key path, for messages a person can act on."""
    table: str | None = None
    index: int | None = None
    key: str | int | None = None
    positions = [i for i, part in enumerate(loc) if isinstance(part, int)]
    if positions:
        first = positions[0]
        table, index = ".".join(str(p) for p in loc[:first]), int(loc[first])
        key = loc[first + 1] if len(loc) > first + 1 else None
    elif loc:
        table = ".".join(str(p) for p in loc[:-1]) or None
        key = loc[-1]
    seen: dict[str, int] = {}
    current: str | None = None
    current_index = -1
    found_table: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(2)
            current_index = seen.get(current, -1) + 1 if header.group(1) == "[[" else 0
            seen[current] = current_index
            if current == table and (index is None or index == current_index):
                found_table = number
            continue
        keymatch = _KEY.match(line)
        if not keymatch or keymatch.group(1) != key:
            continue
        in_place = current == table and (index is None or index == current_index)
        if in_place or (table is None and current is None):
            return number
    if found_table is None and len(loc) == 1:
        # A whole top-level table: `[name]` or `[[name]]`.
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header and header.group(2).split(".")[0] == loc[0]:
                return number
    return found_table
