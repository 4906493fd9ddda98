"""Brand relevance: whole-word, case- and accent-insensitive alias matching with exclusions.

"Telefónica", "telefonica" and "#Telefonica" are one brand; "apple pie" is not Apple. An
exclusion removes only its own occurrences, so "apple pie at the Apple store" still counts.
"""

from __future__ import annotations

import re
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


class BrandMatcher:
    def __init__(self, brands: Sequence[BrandSettings]) -> None:
        self._brands: list[_Brand] = []
        for brand in brands:
            include = _pattern(brand.terms)
            if include is not None:
                self._brands.append(_Brand(brand.name, include, _pattern(brand.exclude)))

    def match(self, text: str) -> str | None:
        """The first configured brand the text is about, or None."""
        folded = fold(text)
        for brand in self._brands:
            candidate = brand.exclude.sub(" ", folded) if brand.exclude else folded
            if brand.include.search(candidate):
                return brand.name
        return None

    def terms(self, brand_name: str) -> re.Pattern[str] | None:
        for brand in self._brands:
            if brand.name == brand_name:
                return brand.include
        return None
