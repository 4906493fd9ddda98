"""What an alert says, frozen at decision time into its outbox row: the incident's news,
or a digest of many. Typed records, so a renamed field is an error mypy reports, not a
KeyError at 3 a.m.; stored as JSON, read back tolerantly (a row written by an older
version lacks the newer fields and takes their defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Growth:
    hour: int = 0
    day: int = 0


@dataclass(frozen=True)
class Excerpt:
    title: str = ""
    url: str | None = None
    domain: str | None = None
    text: str = ""
    language: str | None = None
    links: tuple[str, ...] = ()
    # The quoted mention, for the per-mention verdicts ("Not about us", ...) in Slack.
    mention_id: int | None = None


@dataclass(frozen=True)
class HandledBy:
    """The last choice a person made from the alert's buttons."""

    action: str
    by: str | None = None


@dataclass(frozen=True)
class Timeline:
    """The growth curve at decision time (for the chart posted on escalation)."""

    bucket_seconds: float = 60.0
    # (end of interval as ISO time, mentions so far, voices so far)
    points: tuple[tuple[str, int, float], ...] = ()


@dataclass(frozen=True)
class IncidentNews:
    incident_id: int | None = None
    kind: str = ""
    brand: str = ""
    label: str = ""
    aspect: str | None = None
    state: str = ""
    severity: str = ""
    mentions: int = 0
    sources: int = 0
    growth: Growth = field(default_factory=Growth)
    # Mentions per hour, oldest first: the text sparkline.
    hourly: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    voices: float = 0.0
    p_viral: float | None = None
    surprise: float | None = None
    forecast_size: float | None = None
    forecast_threshold_at: str | None = None
    first_seen: str = ""
    last_seen: str = ""
    window_hours: float = 24.0
    key_terms: tuple[str, ...] = ()
    handled: HandledBy | None = None
    excerpts: tuple[Excerpt, ...] = ()
    # Escalations only: what the chart in the thread draws.
    timeline: Timeline | None = None
    spread: str | None = None
    decided_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for optional in ("timeline", "spread", "decided_at"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IncidentNews:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("growth"), Mapping):
            values["growth"] = Growth(**_only(Growth, values["growth"]))
        if isinstance(values.get("handled"), Mapping):
            values["handled"] = HandledBy(**_only(HandledBy, values["handled"]))
        if isinstance(values.get("timeline"), Mapping):
            t = values["timeline"]
            points = tuple((str(a), int(m), float(v)) for a, m, v in t.get("points", ()))
            values["timeline"] = Timeline(float(t.get("bucket_seconds", 60.0)), points)
        values["excerpts"] = tuple(
            Excerpt(**{**_only(Excerpt, e), "links": tuple(e.get("links") or ())})
            for e in values.get("excerpts") or ()
        )
        for name in ("hourly", "languages", "key_terms"):
            values[name] = tuple(values.get(name) or ())
        return cls(**values)


@dataclass(frozen=True)
class DigestItem:
    brand: str
    label: str
    state: str
    severity: str
    mentions: int
    sources: int
    first_seen: str


@dataclass(frozen=True)
class Digest:
    """Many incidents in one message: held by quiet hours, or still open every morning.
    Queued as its `digest` kind; the list is read when it is sent."""

    digest: str
    title: str = ""
    incidents: tuple[DigestItem, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Digest:
        return cls(
            digest=str(data.get("digest") or ""),
            title=str(data.get("title") or ""),
            incidents=tuple(DigestItem(**_only(DigestItem, i)) for i in data.get("incidents", ())),
        )


Payload = IncidentNews | Digest


def _only(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    known = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in known}
