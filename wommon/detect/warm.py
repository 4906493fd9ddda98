"""The grouping index, and each brand's usual rate, kept warm between detection runs of
one process.

Building a brand's StoryIndex means decoding every joinable incident's centroid and
indexing its words, on every run, for every brand. Instead a process keeps each index and,
at the start of a run, brings it up to date from the incidents the run has just read: the
ones gone are removed, the ones whose words or centroid changed (in this process or in
another daemon) are indexed again, new ones are added. What the run reads decides, so the
index never drifts from the database: a run that rolled back, or another daemon's work,
shows up as a difference and is mended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wommon.analyze import embed
from wommon.detect.cluster import Story, StoryIndex
from wommon.detect.counts import UsualRates
from wommon.detect.joinable import Joinable

# What an indexed story was built from: its key terms and its stored centroid.
_Source = tuple[str, bytes | None]


def story_of(incident: Joinable) -> Story:
    return Story(
        incident.id or 0,
        incident.brand,
        frozenset(incident.key_terms.split()),
        embed.from_bytes(incident.centroid),
    )


@dataclass
class _Warm:
    index: StoryIndex
    # Every story in the index, with what it was built from (None: to be built again).
    built_from: dict[int, _Source | None] = field(default_factory=dict)


class WarmStories:
    """One warm index per brand and mode (live or history), for one database, and the
    brands' usual rates for the current hour (detect/counts.py says when they are read
    again)."""

    def __init__(self) -> None:
        self._warm: dict[tuple[str, bool], _Warm] = {}
        self.rates = UsualRates()

    def index(
        self,
        key: tuple[str, bool],
        grouping: Mapping[int, Joinable],
        similarity: float,
        semantic: float,
    ) -> StoryIndex:
        """The index of `grouping` (the incidents a run may join), mended from the last."""
        warm = self._warm.get(key)
        if warm is None or warm.index.settings != (similarity, semantic):
            warm = self._warm[key] = _Warm(StoryIndex(similarity=similarity, semantic=semantic))
        brand = key[0]
        for story_id in [i for i in warm.built_from if i not in grouping]:
            warm.index.remove(brand, story_id)
            del warm.built_from[story_id]
        for story_id, incident in grouping.items():
            source = (incident.key_terms, incident.centroid)
            if warm.built_from.get(story_id) != source:
                warm.index.remove(brand, story_id)
                warm.index.add(story_of(incident))
                warm.built_from[story_id] = source
        return warm.index

    def changed(self, key: tuple[str, bool], story_ids: set[int]) -> None:
        """Stories the run opened or moved in the index: indexed again from their rows next
        time, as a rebuilt index would hold them (the stored centroid is half precision),
        or removed when the next run no longer reads them (closed in this very run)."""
        warm = self._warm.get(key)
        if warm is not None:
            for story_id in story_ids:
                warm.built_from[story_id] = None
