"""Which incident a negative mention belongs to: the open one of its brand telling the same story.

A first, lexical grouping: two texts tell the same story when enough of their key terms
overlap (overlap coefficient, so a short review can join a long blog post), or when they are
copies of one text (same fingerprint). Pure functions over frozen records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import snowballstemmer

from wommon.analyze.brands import fold

_WORD = re.compile(r"[^\W\d_]{3,}")
# Words that say nothing about which story a text tells, in English and Spanish.
STOPWORDS = frozenset(
    """
    the and for are but not you all any can had her was one our out has him his how its let
    may new now old see two who did get got she too use that with have this will your from
    they been were what when them than then there their would could should about after again
    also just into more most only other over some such very which while because being does
    doing here itself myself same these those through until where why ever never still
    really today yesterday week day days time times today los las del por para con una uno
    unos unas que como pero mas muy sus hay fue son esta este esto estos estas ese esa eso
    ser estar tengo tiene tienen han hemos desde hasta sin sobre entre cuando donde porque
    todo todos toda todas nada algo ahora hoy ayer otra otro otros mucho poco les nos ella
    ellos ellas usted
    """.split()  # noqa: SIM905
)
KEY_TERMS = 12
# "charged", "charges" and "charge" are one term; Snowball is the stemmer Lucene ships.
_STEM = snowballstemmer.stemmer("english")


def terms(text: str, exclude: Iterable[str] = ()) -> Counter[str]:
    """Content words of a text, folded, with counts; brand names are excluded by the caller
    because every mention of a brand shares them."""
    skip = STOPWORDS | {fold(w) for w in exclude}
    words = [w for w in _WORD.findall(fold(text)) if w not in skip]
    return Counter(_STEM.stemWords(words))


def key_terms(counts: Counter[str], n: int = KEY_TERMS) -> tuple[str, ...]:
    return tuple(term for term, _ in counts.most_common(n))


@dataclass(frozen=True)
class OpenIncident:
    id: int
    brand: str
    key_terms: frozenset[str]
    fingerprints: frozenset[str]


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def assign(
    brand: str,
    mention_terms: frozenset[str],
    fingerprint: str | None,
    candidates: Sequence[OpenIncident],
    threshold: float,
) -> OpenIncident | None:
    """The best-matching open incident of the same brand, or None to open a new one."""
    best: OpenIncident | None = None
    best_score = threshold
    for incident in candidates:
        if incident.brand != brand:
            continue
        if fingerprint and fingerprint in incident.fingerprints:
            return incident
        score = similarity(mention_terms, incident.key_terms)
        if score >= best_score:
            best, best_score = incident, score
    return best
