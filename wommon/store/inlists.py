"""`IN (...)` lists for statements compiled once.

SQLAlchemy's expanding parameter writes the list into the compiled SQL again at every
execution, which costs more than the look-up itself when a detection run asks about one
or two values (most runs do). Here a list is sent as one bound parameter per value, in a
statement built for its size rounded up to a power of two and padded with its last value
(a value repeated in an IN list changes nothing): a handful of statements per look-up,
each compiled once, serve every size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam


def size_for(count: int) -> int:
    """The size of statement that holds `count` values."""
    return 1 << max(0, count - 1).bit_length()


def among(column: Any, name: str, size: int) -> ColumnElement[bool]:
    """`column IN (...)` of `size` parameters named after `name`, typed as the column is
    (so values are bound as it binds them)."""
    return cast(
        ColumnElement[bool],
        column.in_([bindparam(f"{name}_{i}", type_=column.type) for i in range(size)]),
    )


def values(name: str, items: Sequence[Any], size: int) -> dict[str, Any]:
    """`items` (not empty, at most `size`) as the parameters `among(..., name, size)` expects."""
    padded = [*items, *[items[-1]] * (size - len(items))]
    return {f"{name}_{i}": value for i, value in enumerate(padded)}
