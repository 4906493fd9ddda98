"""Text as every analysis step compares it: case- and accent-folded ("Telefónica",
"TELEFONICA" and "telefonica" are one word)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Casefold and strip accents: the form every comparison is made in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
