"""Words for counts in what people read: "1 mention", "2 mentions"."""

from __future__ import annotations


def plural(count: int | float, singular: str, many: str | None = None) -> str:
    """`count` and the noun that agrees with it ("1 entry", "3 entries")."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{count:g} {word}" if isinstance(count, float) else f"{count} {word}"
