"""The decision to alert: a pure function of an incident's figures and `now`.

An incident alerts when the spread model gives it at least `alert_confidence` of reaching
`viral_mentions`, and it already has `min_mentions` from `min_sources` different sites:
one grumpy review, however angry, is not a spreading story. After that it speaks only when
something changed: it escalates when its severity rises, updates when it grew by
`update_step` mentions (or by a quarter, for a big story), cools after `cooldown_hours` of
quiet and resolves after twice that (hysteresis: a story that pauses overnight keeps its
one thread). A resolved story that comes back re-opens, in the same thread, once it has
grown again as much as an update would need: a story past the viral size stays "likely
to go viral" for good, and would otherwise re-open, and resolve, on every stray mention.

Every change of an incident's state is decided here: with time (`decide`), when a
mention joins (`on_new_mention`) and when a person chooses from the alert's buttons
(`handle`). The step that holds the rows applies what these say, and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from wommon import defaults
from wommon.config import DetectSettings
from wommon.store.enums import SEVERITIES, Action, Kind, Severity, State

# A big story is worth an update when it grew by a quarter, not every few mentions: a
# thread of a thousand "+3" updates is noise.
UPDATE_GROWTH = 0.25


@dataclass(frozen=True)
class IncidentFigures:
    state: State
    mentions: int
    # Distinct sites the story was told on.
    sources: int
    p_viral: float
    forecast_size: float
    alerted_mentions: int
    # The severity of the last alert, None when it never alerted.
    alerted_severity: str | None
    last_seen: datetime
    snoozed: bool = False
    # How unusual the brand's last hour is against its baseline, in powers of ten.
    surprise: float = 0.0


@dataclass(frozen=True)
class Decision:
    state: State
    severity: str
    notify: Kind | None = None


def severity(fig: IncidentFigures, cfg: DetectSettings) -> str:
    """high: viral already, almost surely on its way, or likely to be while the brand has
    an hour unlike any in its history; medium: likely to be; low: a story being watched."""
    likely = fig.p_viral >= cfg.alert_confidence
    if (
        fig.mentions >= cfg.viral_mentions
        or fig.p_viral >= 0.9
        or (likely and fig.surprise >= defaults.SURPRISE_HIGH)
    ):
        return Severity.HIGH
    if likely or fig.forecast_size >= cfg.viral_mentions / 2:
        return Severity.MEDIUM
    return Severity.LOW


def decide(fig: IncidentFigures, now: datetime, cfg: DetectSettings) -> Decision:
    """The incident's next state, and what to say about it. A snoozed incident changes
    state as usual but says nothing until the snooze ends (it still says when it is over)."""
    decision = _decide(fig, now, cfg)
    if fig.snoozed and decision.notify not in (None, Kind.RESOLVE):
        return Decision(decision.state, decision.severity)
    return decision


def _alertable(fig: IncidentFigures, cfg: DetectSettings) -> bool:
    return (
        fig.mentions >= cfg.min_mentions
        and fig.sources >= cfg.min_sources
        and fig.p_viral >= cfg.alert_confidence
    )


def _grown(fig: IncidentFigures, cfg: DetectSettings) -> bool:
    """Grown enough since its last alert to be worth another: `update_step` mentions, or a
    quarter of its size for a big story."""
    step = max(cfg.update_step, math.ceil(fig.alerted_mentions * UPDATE_GROWTH))
    return fig.mentions - fig.alerted_mentions >= step


def _decide(fig: IncidentFigures, now: datetime, cfg: DetectSettings) -> Decision:
    quiet = now - fig.last_seen
    cooldown = timedelta(hours=cfg.cooldown_hours)
    level = severity(fig, cfg)
    if fig.state == State.WATCHING:
        if _alertable(fig, cfg):
            if fig.alerted_severity is None:
                return Decision(State.ALERTING, level, Kind.OPEN)
            if _grown(fig, cfg):
                return Decision(State.ALERTING, level, Kind.REOPEN)
        if quiet >= 2 * cooldown:
            return Decision(State.RESOLVED, level)
        return Decision(State.WATCHING, level)
    if fig.state in (State.ALERTING, State.COOLING):
        rank = SEVERITIES.index
        if fig.alerted_severity is not None and rank(level) > rank(fig.alerted_severity):
            return Decision(State.ALERTING, level, Kind.ESCALATE)
        if quiet < cooldown:
            return Decision(State.ALERTING, level, Kind.UPDATE if _grown(fig, cfg) else None)
        if quiet >= 2 * cooldown:
            return Decision(State.RESOLVED, level, Kind.RESOLVE)
        return Decision(State.COOLING, level)
    return Decision(fig.state, level)


SNOOZE = timedelta(hours=24)


@dataclass(frozen=True)
class Handled:
    """An incident after a person's choice: its state, and until when it keeps quiet."""

    state: State
    snoozed_until: datetime | None


def handle(state: State, snoozed_until: datetime | None, action: Action, now: datetime) -> Handled:
    """A person's choice: snooze silences it for a day, resolve ends it, dismiss marks it
    not an incident (its story keeps collecting mentions silently); acknowledging changes
    nothing but the record of who saw it."""
    if action == Action.SNOOZE:
        return Handled(state, now + SNOOZE)
    if action == Action.RESOLVE:
        return Handled(State.RESOLVED, snoozed_until)
    if action == Action.DISMISS:
        return Handled(State.DISMISSED, snoozed_until)
    return Handled(state, snoozed_until)


def on_new_mention(state: State) -> State:
    """A resolved story that hears again is watched again (a dismissed one stays
    dismissed: it gathers its mentions and never alerts)."""
    return State.WATCHING if state == State.RESOLVED else state
