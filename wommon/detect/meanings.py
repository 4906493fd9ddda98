"""The embeddings a detection run needs, computed in batches.

A mention needs its meaning only when its words, copies and links do not place it (and
when it opens a story, for the story's centroid). Embedding one text at a time costs the
encoder half as much again per text as a batch, so the first mention that needs one brings
along the next mentions of the run that look as if they will (no copy, link or words
placing them in a story as the stories stand): one call for a run of unplaced mentions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wommon.analyze import embed

# Mentions embedded together at most, and how far ahead a batch looks for them.
BATCH = 32
LOOK_AHEAD = 4 * BATCH


class Meanings:
    def __init__(self, texts: Sequence[str], likely: Callable[[int], bool]) -> None:
        """`texts` are a run's mentions in the order detection takes them; `likely(i)`
        guesses, from the stories as they stand, whether mention `i` will need its meaning."""
        self._texts = texts
        self._likely = likely
        self._vectors: dict[int, embed.Vector] = {}
        # Mentions whose meaning was asked for: only theirs moves a story's centroid, so
        # what joins a story never depends on which mentions shared a batch.
        self._asked: set[int] = set()

    def of(self, i: int) -> Meaning:
        return Meaning(self, i)

    def asked(self, i: int) -> embed.Vector | None:
        """Mention `i`'s meaning if it was asked for, else None."""
        return self._vectors.get(i) if i in self._asked else None

    def vector(self, i: int) -> embed.Vector:
        self._asked.add(i)
        found = self._vectors.get(i)
        if found is not None:
            return found
        ahead = range(i + 1, min(i + 1 + LOOK_AHEAD, len(self._texts)))
        batch = [i]
        for j in ahead:
            if len(batch) >= BATCH:
                break
            if j not in self._vectors and self._likely(j):
                batch.append(j)
        for j, vector in zip(batch, embed.embed([self._texts[j] for j in batch]), strict=True):
            self._vectors[j] = vector
        return self._vectors[i]


class Meaning:
    """One mention's embedding, computed on first use (with its batch)."""

    def __init__(self, meanings: Meanings, i: int) -> None:
        self._meanings = meanings
        self._i = i

    def __call__(self) -> embed.Vector:
        return self._meanings.vector(self._i)

    @property
    def vector(self) -> embed.Vector | None:
        return self._meanings.asked(self._i)
