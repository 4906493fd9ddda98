"""Which patterns of a table can match a text, told before any of them is run.

The complaint cues are some thirty regular expressions, each an alternation of phrases that
begin at a word boundary ("never arrived", "still waiting", "me colgaron"). Python's engine
tries every alternative at every position of a text, so running them all was most of the
cost of analysing a short post, while a post matches only a few. A phrase can only match
where the text has a word beginning as the phrase begins: a pattern none of whose opening
words shares its first three letters with a word of the text is skipped. The verdict is
the same, found in less than half the time.

The opening words are read from the pattern's own parse, so a table stays the only place
its phrases are written. A pattern that can begin any other way (a digit class, a
lookaround, a phrase with no word boundary before it) gets no gate and always runs.

In a text longer than a tweet, a gated pattern is not scanned from end to end either: it
is tried only where a word opens as it can. A blog post has a few such places for most
patterns and two thousand for a scan, so the rules cost a long post half what they did.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Letters of a word compared: enough to tell most phrases apart, few enough that the
# starts of a text's words are a small set built in one pass.
_HEAD = 3
_LENGTHS = tuple(range(1, _HEAD + 1))
_WORD = re.compile(r"\w+")
# Shorter texts are searched in one scan: below about a tweet's length that is cheaper
# than noting where each word opens (measured on complaints/dev.csv posts).
_SCAN_BELOW = 100


@dataclass(frozen=True)
class Gated:
    pattern: re.Pattern[str]
    # The first letters of every word the pattern can begin with; None: it always runs.
    heads: frozenset[str] | None

    def search(self, folded: str, starts: Starts) -> re.Match[str] | None:
        """`pattern.search(folded)`, skipped when `starts` (Starts of the same text)
        shows it cannot match. In a long text it is tried only where a word opens as the
        pattern can: the leftmost of those matches is the leftmost match."""
        if self.heads is None:
            return self.pattern.search(folded)
        if self.heads.isdisjoint(starts.heads):
            return None
        if starts.short:
            return self.pattern.search(folded)
        for at in starts.places(self.heads):
            match = self.pattern.match(folded, at)
            if match is not None:
                return match
        return None


def gated(pattern: re.Pattern[str]) -> Gated:
    return Gated(pattern, _heads(pattern))


class Starts:
    """The first one, two and three letters of every word of a text and, in a long text,
    where the words opening with each begin."""

    __slots__ = ("_places", "heads", "short")

    def __init__(self, text: str) -> None:
        self._places: dict[str, list[int]] = {}
        # A short text is searched whole: where its words begin is not noted.
        self.short = len(text) < _SCAN_BELOW
        if self.short:
            self.heads = {word[:n] for word in _WORD.findall(text) for n in _LENGTHS}
            return
        for word in _WORD.finditer(text):
            at, letters = word.start(), word.group()
            for head in {letters[:n] for n in _LENGTHS}:
                self._places.setdefault(head, []).append(at)
        self.heads = set(self._places)

    def places(self, heads: frozenset[str]) -> list[int]:
        """Where the words opening with one of `heads` begin, in order (a long text)."""
        found = [self._places[h] for h in heads if h in self._places]
        return found[0] if len(found) == 1 else sorted({at for f in found for at in f})


def _heads(pattern: re.Pattern[str]) -> frozenset[str] | None:
    try:
        parser = importlib.import_module("re._parser")
        constants = importlib.import_module("re._constants")
        parsed = parser.parse(pattern.pattern, pattern.flags)
    except (ImportError, AttributeError, re.error):
        return None  # an interpreter whose engine is built otherwise: no gate, same verdict
    if pattern.flags & re.IGNORECASE:
        return None
    found = _Reader(constants).opening(list(parsed), anchored=False)
    return frozenset(found) if found is not None else None


class _Reader:
    """Walks the parse of a pattern to the literal word each of its alternatives opens with."""

    def __init__(self, constants: Any) -> None:
        self._c = constants
        self._anchors = {
            constants.AT_BOUNDARY,
            constants.AT_BEGINNING,
            constants.AT_BEGINNING_STRING,
        }

    def opening(self, items: list[tuple[Any, Any]], anchored: bool) -> set[str] | None:
        """First letters of the words a sequence can open with, or None when one of its ways
        opens otherwise, or with no word boundary (or start of text) before the word."""
        c = self._c
        i = 0
        while i < len(items) and items[i][0] is c.AT:
            anchored = anchored or items[i][1] in self._anchors
            i += 1
        if i == len(items):
            return None
        op, av = items[i]
        if op is c.LITERAL:
            word = ""
            while i < len(items) and items[i][0] is c.LITERAL and chr(items[i][1]).isalnum():
                word += chr(items[i][1])
                i += 1
            return {word[:_HEAD]} if word and anchored else None
        if op is c.SUBPATTERN:
            # (?i:...) would match letters the word's own do not.
            return None if av[1] & re.IGNORECASE else self.opening(list(av[-1]), anchored)
        if op is c.BRANCH:
            return _union(self.opening(list(alt), anchored) for alt in av[1])
        return None


def _union(parts: Iterable[set[str] | None]) -> set[str] | None:
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return found
