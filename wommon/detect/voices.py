"""How much one mention adds to an incident's independent voices: the rule detection
counts with, and the one a chart replays to draw the voices curve."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# A second post by a site or author already heard in the incident is not a new voice.
SAME_SITE_WEIGHT = 0.5
SAME_AUTHOR_WEIGHT = 0.1


def novelty(domain: str | None, author: str | None, site_heard: bool, author_heard: bool) -> float:
    """1 for a site not heard before, less for another author on a site heard already,
    least for an author repeating themselves. (One name on two sites is two people until
    shown otherwise: "admin" writes half the blogs.)"""
    if domain and not site_heard:
        return 1.0
    if author and author_heard:
        return SAME_AUTHOR_WEIGHT
    return SAME_SITE_WEIGHT


@dataclass(frozen=True)
class Voiced:
    """What the voices of one mention depend on."""

    domain: str | None
    author: str | None
    fingerprint: str | None
    weight: float


@dataclass
class VoiceTally:
    """The running count of one incident's voices, mention by mention in time order. A
    copy of a text already heard (same fingerprint) adds no voice."""

    voices: float = 0.0
    _sites: set[str | None] = field(default_factory=set)
    _authors: set[tuple[str | None, str | None]] = field(default_factory=set)
    _texts: set[str] = field(default_factory=set)

    def add(self, m: Voiced) -> float:
        copy = m.fingerprint is not None and m.fingerprint in self._texts
        heard_author = m.domain is not None and (m.domain, m.author) in self._authors
        voice = (
            0.0
            if copy
            else m.weight * novelty(m.domain, m.author, m.domain in self._sites, heard_author)
        )
        if m.fingerprint:
            self._texts.add(m.fingerprint)
        self._sites.add(m.domain)
        self._authors.add((m.domain, m.author))
        self.voices += voice
        return voice

    def extend(self, mentions: Iterable[Voiced]) -> float:
        for m in mentions:
            self.add(m)
        return self.voices
