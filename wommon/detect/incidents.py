"""The decision to alert: a pure function of an incident's figures and `now`.

This first rule alerts when enough negative mentions from enough independent domains arrive
within the window; the spread model replaces it behind the same `decide` signature.
Hysteresis: an alerting incident cools after a quiet spell and resolves only after twice
that, so a story that pauses overnight keeps its one thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wommon.config import DetectSettings


class State(StrEnum):
    WATCHING = "watching"
    ALERTING = "alerting"
    COOLING = "cooling"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_STATES = (State.WATCHING, State.ALERTING, State.COOLING)
# Dismissed incidents still gather their story's mentions, so it never alerts again.
GROUPING_STATES = (*OPEN_STATES, State.DISMISSED)


class Notify(StrEnum):
    OPEN = "open"
    UPDATE = "update"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class IncidentFigures:
    state: State
    mentions: int
    sources: int
    recent_mentions: int
    recent_sources: int
    alerted_mentions: int
    last_seen: datetime
    snoozed: bool = False


@dataclass(frozen=True)
class Decision:
    state: State
    notify: Notify | None = None


def severity(sources: int, min_sources: int) -> str:
    if sources >= 5 * min_sources:
        return "high"
    if sources >= 2 * min_sources:
        return "medium"
    return "low"


def decide(fig: IncidentFigures, now: datetime, cfg: DetectSettings) -> Decision:
    """The incident's next state, and what to say about it. A snoozed incident changes
    state as usual but says nothing until the snooze ends (it still says when it is over)."""
    decision = _decide(fig, now, cfg)
    if fig.snoozed and decision.notify in (Notify.OPEN, Notify.UPDATE):
        return Decision(decision.state)
    return decision


def _decide(fig: IncidentFigures, now: datetime, cfg: DetectSettings) -> Decision:
    quiet = now - fig.last_seen
    cooldown = timedelta(hours=cfg.cooldown_hours)
    grown = fig.mentions - fig.alerted_mentions >= cfg.update_step
    if fig.state == State.WATCHING:
        if fig.recent_mentions >= cfg.min_mentions and fig.recent_sources >= cfg.min_sources:
            return Decision(State.ALERTING, Notify.OPEN)
        if quiet >= 2 * cooldown:
            return Decision(State.RESOLVED)
        return Decision(State.WATCHING)
    if fig.state == State.ALERTING:
        if grown:
            return Decision(State.ALERTING, Notify.UPDATE)
        if quiet >= cooldown:
            return Decision(State.COOLING)
        return Decision(State.ALERTING)
    if fig.state == State.COOLING:
        if quiet < cooldown:
            return Decision(State.ALERTING, Notify.UPDATE if grown else None)
        if quiet >= 2 * cooldown:
            return Decision(State.RESOLVED, Notify.RESOLVE)
        return Decision(State.COOLING)
    return Decision(fig.state)
