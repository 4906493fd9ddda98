"""Brand relevance: whole-word, case- and accent-insensitive alias matching with exclusions
and the rules people write to keep a common name to its meaning.

"Telefónica", "telefonica" and "#Telefonica" are one brand; "apple pie" is not Apple. An
exclusion removes only its own occurrences, so "apple pie at the Apple store" still counts.
`require_any` keeps a brand to posts that also hold one of its words ("Orange" with
"factura" or "fibra", not the fruit); `near` asks for one of its words within `near_words`
words of the name ("Amazon" near "pedido" or "delivery", not a river in a long travel
post)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from wommon.analyze.text import fold
from wommon.config import BrandSettings


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(t).strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class _Brand:
    name: str
    include: re.Pattern[str]
    exclude: re.Pattern[str] | None
    require: re.Pattern[str] | None = None
    near: re.Pattern[str] | None = None
    near_words: int = 10

    def about(self, folded: str) -> bool:
        text = self.exclude.sub(" ", folded) if self.exclude else folded
        names = [m.start() for m in self.include.finditer(text)]
        if not names:
            return False
        if self.require is not None and not self.require.search(text):
            return False
        if self.near is None:
            return True
        words = [m.start() for m in _WORD.finditer(text)]
        at = [bisect_right(words, start) for start in names]
        return any(
            abs(bisect_right(words, term.start()) - name) <= self.near_words
            for term in self.near.finditer(text)
            for name in at
        )


_WORD = re.compile(r"\w+")


class BrandMatcher:
    def __init__(self, brands: Sequence[BrandSettings]) -> None:
        self._brands: list[_Brand] = []
        for brand in brands:
            include = _pattern(brand.terms)
            if include is not None:
                self._brands.append(
                    _Brand(
                        brand.name,
                        include,
                        _pattern(brand.exclude),
                        _pattern(brand.require_any),
                        _pattern(brand.near),
                        brand.near_words,
                    )
                )

    def match(self, text: str) -> str | None:
        """The first configured brand the text is about, or None."""
        folded = fold(text)
        for brand in self._brands:
            if brand.about(folded):
                return brand.name
        return None

    def terms(self, brand_name: str) -> re.Pattern[str] | None:
        for brand in self._brands:
            if brand.name == brand_name:
                return brand.include
        return None
