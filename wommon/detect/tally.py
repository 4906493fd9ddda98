"""A detection run's mentions counted into their incidents: size, voices, sites, spread
and centroid, kept in plain values for the run and written to the rows once at its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wommon import logs
from wommon.analyze import embed
from wommon.detect.cluster import running_mean
from wommon.detect.incidents import on_new_mention
from wommon.detect.lookups import Pending
from wommon.detect.rows import IncidentRow
from wommon.detect.spread import SpreadState, observe
from wommon.store.enums import State

log = logs.events("wommon.detect")


def join(
    tallies: Tallies,
    incident: IncidentRow,
    mention: Pending,
    voice: float,
    new_site: bool,
    vector: embed.Vector | None,
) -> embed.Vector | None:
    """Count `mention` into its incident: size, voices, spread; returns the new centroid
    (mentions that joined by their words leave it as it is)."""
    tally = tallies.of(incident)
    tally.spread = observe(tally.spread, mention.published_at, voice)
    centroid = None
    if vector is not None:
        centroid = running_mean(embed.from_bytes(tally.centroid), tally.mentions, vector)
        tally.centroid = embed.to_bytes(centroid) if centroid is not None else None
    tally.mentions += 1
    tally.voices = round(tally.voices + voice, 6)
    tally.sources += int(new_site)
    tally.last_seen = max(tally.last_seen, mention.published_at)
    tally.first_seen = min(tally.first_seen, mention.published_at)
    now_state = on_new_mention(tally.state)
    if now_state != tally.state:
        log.debug("incident_reopened", incident=incident.id, brand=incident.brand)
        tally.state = now_state
    return centroid


@dataclass(slots=True)
class Tally:
    """An incident's figures as a run's mentions change them, in plain values: its spread
    state is parsed once a run and serialised once, not for every mention."""

    spread: SpreadState
    centroid: bytes | None
    mentions: int
    voices: float
    sources: int
    first_seen: datetime
    last_seen: datetime
    state: State


class Tallies:
    """Incidents' figures taken from their rows when a run's first mention joins, and
    written back once at its end, not for every mention a big story receives."""

    def __init__(self) -> None:
        self._tallies: dict[int, tuple[IncidentRow, Tally]] = {}

    def of(self, incident: IncidentRow) -> Tally:
        found = self._tallies.get(incident.id)
        if found is None:
            tally = Tally(
                SpreadState.from_json(incident.spread),
                incident.centroid,
                incident.mentions,
                incident.voices,
                incident.sources,
                incident.first_seen,
                incident.last_seen,
                State(incident.state),
            )
            found = self._tallies[incident.id] = (incident, tally)
        return found[1]

    def save(self) -> None:
        for incident, tally in self._tallies.values():
            incident.spread = tally.spread.to_json()
            incident.centroid = tally.centroid
            incident.mentions = tally.mentions
            incident.voices = tally.voices
            incident.sources = tally.sources
            incident.first_seen = tally.first_seen
            incident.last_seen = tally.last_seen
            incident.state = tally.state
