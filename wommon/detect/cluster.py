"""Which incident a negative mention belongs to: the open one of its brand telling the
same story.

Two texts tell the same story when they share its rare words (key terms weighted by how
few of the brand's stories use them, so "refund" shared by every billing complaint counts
for little and "roaming" for much), or when they mean the same thing in any language
(multilingual sentence embeddings). Copies and posts linking to a mention are matched
before this, by the detector, from the store. Everything here is pure and in memory: an
inverted index over terms and one matrix product over embeddings, so a mention finds its
story in microseconds however many mentions the stories hold.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import snowballstemmer

from wommon.analyze.embed import DIMENSIONS, Vector
from wommon.analyze.text import fold

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
# Word sets whose match a brand keeps between two changes to its stories.
_DECIDED = 4096
# A word used by at most this many of a brand's stories (or 1 in 100) singles one out.
DISTINCTIVE_STORIES = 2
# "charged", "charges" and "charge" are one term; Snowball is the stemmer Lucene ships.
_STEM = snowballstemmer.stemmer("english")


def terms(text: str, exclude: Iterable[str] = ()) -> Counter[str]:
    """Content words of a text, folded, with counts; brand names are excluded by the caller
    because every mention of a brand shares them."""
    skip = _skipped(tuple(exclude)) if exclude else STOPWORDS
    return Counter(_stem(w) for w in _WORD.findall(fold(text)) if w not in skip)


@lru_cache(maxsize=2048)
def term_set(text: str) -> frozenset[str]:
    """The distinct content words of a text, as `terms` finds them: each word stemmed once,
    for a question of which words a text has, not how often. Kept for the texts asked
    about lately: an incident's headline is chosen again, from much the same mentions,
    each time it escalates or re-opens."""
    return frozenset(_stem(w) for w in set(_WORD.findall(fold(text))) - STOPWORDS)


@lru_cache(maxsize=256)
def _skipped(exclude: tuple[str, ...]) -> frozenset[str]:
    # A detection run excludes the same brand's names from a thousand texts.
    return STOPWORDS | {fold(w) for w in exclude}


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    # Snowball costs tens of microseconds a word, and a brand's mentions reuse few words.
    return str(_STEM.stemWord(word))


def key_terms(counts: Counter[str], n: int = KEY_TERMS) -> tuple[str, ...]:
    return tuple(term for term, _ in counts.most_common(n))


@dataclass(frozen=True)
class Story:
    """An open incident as grouping sees it."""

    id: int
    brand: str
    key_terms: frozenset[str]
    centroid: Vector | None = None


@dataclass(frozen=True)
class Match:
    incident_id: int
    # "terms" or "meaning": what made the mention join, for the log and the tests.
    reason: str
    score: float


@dataclass
class _Brand:
    ids: list[int] = field(default_factory=list)
    terms: dict[int, frozenset[str]] = field(default_factory=dict)
    postings: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    df: Counter[str] = field(default_factory=Counter)
    rows: dict[int, int] = field(default_factory=dict)
    row_ids: list[int] = field(default_factory=list)
    vectors: list[Vector] = field(default_factory=list)
    # The vectors stacked, rebuilt on the first match after a change.
    stacked: np.ndarray | None = None
    # The stories' terms' weights and each story's total, as the stories now stand: a run
    # matches hundreds of mentions between two changes to its brand's stories.
    weights: dict[str, float] = field(default_factory=dict)
    totals: dict[int, float] = field(default_factory=dict)
    # What words alone decided for a set of words, as the stories now stand: detection asks
    # once to guess which mentions will need their meaning, and again to place them.
    decided: dict[frozenset[str], Match | None] = field(default_factory=dict)

    def changed(self) -> None:
        self.weights.clear()
        self.totals.clear()
        self.decided.clear()

    def idf(self, term: str) -> float:
        """BM25's: a term every story has weighs almost nothing, an unseen one most."""
        found = self.weights.get(term)
        if found is None:
            df = self.df[term]
            found = math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))
            if df:
                # Only the stories' own terms are kept: a mention's other words are many.
                self.weights[term] = found
        return found

    def total(self, story_id: int) -> float:
        found = self.totals.get(story_id)
        if found is None:
            found = self.totals[story_id] = math.fsum(self.idf(t) for t in self.terms[story_id])
        return found

    @property
    def matrix(self) -> np.ndarray:
        if self.stacked is None:
            self.stacked = (
                np.stack(self.vectors) if self.vectors else np.zeros((0, DIMENSIONS), np.float32)
            )
        return self.stacked


class StoryIndex:
    """The open stories of every brand, searchable by words and by meaning."""

    def __init__(
        self, stories: Iterable[Story] = (), *, similarity: float, semantic: float
    ) -> None:
        self._brands: defaultdict[str, _Brand] = defaultdict(_Brand)
        self._similarity = similarity
        self._semantic = semantic
        for story in stories:
            self.add(story)

    @property
    def settings(self) -> tuple[float, float]:
        return self._similarity, self._semantic

    def add(self, story: Story) -> None:
        b = self._brands[story.brand]
        b.ids.append(story.id)
        b.terms[story.id] = story.key_terms
        for term in story.key_terms:
            b.postings[term].add(story.id)
        b.df.update(story.key_terms)
        b.changed()
        if story.centroid is not None:
            self.move(story.brand, story.id, story.centroid)

    def remove(self, brand: str, story_id: int) -> None:
        """Forget a story (it closed, or it is about to be added again as it now is)."""
        b = self._brands.get(brand)
        if b is None or story_id not in b.terms:
            return
        b.ids.remove(story_id)
        terms = b.terms.pop(story_id)
        for term in terms:
            b.postings[term].discard(story_id)
            if not b.postings[term]:
                del b.postings[term]
            b.df[term] -= 1
            if b.df[term] <= 0:
                del b.df[term]
        b.changed()
        row = b.rows.pop(story_id, None)
        if row is not None:
            # The last row takes the freed place: rows stay packed.
            last_id, last_vector = b.row_ids.pop(), b.vectors.pop()
            if last_id != story_id:
                b.row_ids[row], b.vectors[row] = last_id, last_vector
                b.rows[last_id] = row
            b.stacked = None

    def move(self, brand: str, story_id: int, centroid: Vector) -> None:
        """Replace a story's centroid (it drifts as mentions join)."""
        b = self._brands[brand]
        row = b.rows.get(story_id)
        if row is None:
            b.rows[story_id] = len(b.row_ids)
            b.row_ids.append(story_id)
            b.vectors.append(centroid)
            b.stacked = None
        elif b.stacked is not None:
            b.vectors[row] = b.stacked[row] = centroid
        else:
            b.vectors[row] = centroid

    def match(
        self, brand: str, words: frozenset[str], meaning: Callable[[], Vector]
    ) -> Match | None:
        """The story of `brand` that `words` tell best, else the one closest in meaning,
        or None for a new story. `meaning` embeds the text; it is called only when words
        do not decide (most mentions of a story share its words, and embedding costs a
        millisecond)."""
        b = self._brands.get(brand)
        if b is None or not b.ids:
            return None
        best = self._by_terms(b, words)
        if best is not None or not b.rows:
            return best
        scores = b.matrix @ meaning()
        row = int(np.argmax(scores))
        if float(scores[row]) < self._semantic:
            return None
        return Match(b.row_ids[row], "meaning", round(float(scores[row]), 4))

    def by_terms(self, brand: str, words: frozenset[str]) -> Match | None:
        """The story of `brand` that `words` tell best, words alone."""
        b = self._brands.get(brand)
        return self._by_terms(b, words) if b is not None and b.ids else None

    def _by_terms(self, b: _Brand, words: frozenset[str]) -> Match | None:
        if not words:
            return None
        if words in b.decided:
            return b.decided[words]
        if len(b.decided) >= _DECIDED:
            b.decided.clear()
        found = b.decided[words] = self._scored(b, words)
        return found

    def _scored(self, b: _Brand, words: frozenset[str]) -> Match | None:
        # Sums in a fixed order (fsum is exact): a set's order changes from run to run with
        # Python's string hashing, and float sums in another order can tip a close match.
        weight = {t: b.idf(t) for t in sorted(words)}
        own = math.fsum(weight.values())
        # Candidates come through distinctive words only: a story is a candidate when it
        # shares a word that few of the brand's stories use. Complaint phrasing ("hung up",
        # "charged twice", "no answer") recurs across stories and, weighted, could add up
        # to a match by itself: a new story told with another's phrasing then joined it.
        # Looking up only these words' postings also keeps the cost flat as stories grow.
        distinctive = max(DISTINCTIVE_STORIES, len(b.ids) // 100)
        rare = [t for t in words if b.df[t] <= distinctive]
        candidates = {sid for t in rare for sid in b.postings.get(t, ())}
        best: Match | None = None
        for story_id in sorted(candidates):
            overlap = math.fsum(weight[t] for t in words & b.terms[story_id])
            theirs = b.total(story_id)
            score = overlap / min(own, theirs)
            if score >= self._similarity and (best is None or score > best.score):
                best = Match(story_id, "terms", round(score, 4))
        return best


def running_mean(centroid: Vector | None, count: int, vector: Vector | None) -> Vector | None:
    """The centroid of `count` unit vectors after one more joins, kept unit length."""
    if vector is None:
        return centroid
    if centroid is None or count <= 0:
        return vector
    mean = centroid * count + vector
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm else vector
