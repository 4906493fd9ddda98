"""Text as every analysis step compares it: case- and accent-folded ("Telefónica",
"TELEFONICA" and "telefonica" are one word)."""

from __future__ import annotations

import sys
import unicodedata
from functools import cache


@cache
def _combining() -> dict[int, None]:
    """Every combining mark, mapped to nothing: a table for str.translate (built once,
    in a tenth of a second, the first time a text is not plain ASCII)."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Casefold and strip accents: the form every comparison is made in. Analysis folds
    each text several times, so plain ASCII (most feeds) takes the short way."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_combining())
