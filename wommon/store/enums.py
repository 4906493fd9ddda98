"""Every state, status and kind a row can hold, defined once. StrEnums: stored as their
plain values, equal to them, and named in code so a typo is a NameError, not a silent
miss."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """An incident's state (detect/incidents.py says how it moves)."""

    WATCHING = "watching"
    ALERTING = "alerting"
    COOLING = "cooling"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_STATES = (State.WATCHING, State.ALERTING, State.COOLING)
# Dismissed incidents still gather their story's mentions, so it never alerts again.
GROUPING_STATES = (*OPEN_STATES, State.DISMISSED)


class Kind(StrEnum):
    """What an outbox row tells: an incident's news, a person's choice, or a digest."""

    OPEN = "open"
    UPDATE = "update"
    ESCALATE = "escalate"
    REOPEN = "reopen"
    RESOLVE = "resolve"
    ACTION = "action"
    DIGEST = "digest"


class Status(StrEnum):
    """Where an outbox row is on its way to Slack."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # History's alerts, recorded but never sent (backfill without --alert).
    SUPPRESSED = "suppressed"


class Action(StrEnum):
    """What a person did from the alert's buttons (the incident's `handled_action`)."""

    ACK = "ack"
    SNOOZE = "snooze"
    RESOLVE = "resolve"
    DISMISS = "dismiss"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Lowest first: an alert escalates when its severity moves right.
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


class Verdict(StrEnum):
    """What a person said of one mention from Slack (a label row's `verdict`)."""

    NOT_ABOUT_US = "not_about_us"
    NOT_A_COMPLAINT = "not_a_complaint"
    MUTE_SITE = "mute_site"
