"""The tables: Source, Mention, Incident, Outbox (see DESIGN.md, "Core records").

Each stage leaves a mark on the rows it has processed (`analyzed_at`, `detected_at`,
Outbox `status`), so a crash or a restart resumes exactly where the work stopped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlmodel import Field, SQLModel

from wommon.store.enums import Severity, State, Status
from wommon.store.types import UTCDateTime


def _dt(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32)
    url: str = Field(sa_type=Text)
    # The URL as configured; `url` follows permanent redirects, this does not.
    config_url: str = Field(default="", sa_type=Text)
    brand: str | None = Field(default=None, max_length=200)
    weight: float = 1.0
    interval_seconds: int
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, sa_type=Text)
    next_due_at: datetime = Field(sa_column=_dt(nullable=False, index=True))
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, max_length=100)
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    last_warning: str | None = Field(default=None, sa_type=Text)
    last_success_at: datetime | None = Field(default=None, sa_column=_dt())
    last_fetch_at: datetime | None = Field(default=None, sa_column=_dt())
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = Field(default=None, sa_column=_dt())


class Mention(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source_id", "uid", name="uq_mention_source_uid"),
        # Analysis's queue in the order it is taken, holding only what is pending.
        Index(
            "ix_mention_analyze_queue",
            "id",
            sqlite_where=sql("analyzed_at IS NULL"),
            postgresql_where=sql("analyzed_at IS NULL"),
        ),
        # Detection's queue in the order it is taken, holding only what is pending: an
        # index over every mention of a brand would make each run walk all of them.
        Index(
            "ix_mention_detect_queue",
            "brand",
            "published_at",
            "id",
            sqlite_where=sql("detected_at IS NULL"),
            postgresql_where=sql("detected_at IS NULL"),
        ),
        # Grouping: copies by fingerprint, posts linking to a mention by its uid, and
        # whether a site or author already spoke in an incident.
        Index("ix_mention_fingerprint", "fingerprint"),
        Index("ix_mention_uid", "uid"),
        # History already stored from another source: found by its address. A hash index
        # on PostgreSQL: equality is all it serves, and a btree refuses very long URLs.
        Index("ix_mention_url", "url", postgresql_using="hash"),
        # Sites and authors already heard in an incident, answered from the index alone.
        Index("ix_mention_incident_voice", "incident_id", "domain", "author"),
        # The same content already stored from a source (the insert path).
        Index("ix_mention_source_fingerprint", "source_id", "fingerprint"),
        # A brand's mentions in one hour: the baseline's counts (and any look-up by brand).
        Index("ix_mention_brand_published", "brand", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id")
    uid: str = Field(max_length=512)
    url: str | None = Field(default=None, sa_type=Text)
    domain: str | None = Field(default=None, max_length=255)
    author: str | None = Field(default=None, max_length=255)
    title: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    links: str = Field(default="[]", sa_type=Text)
    fingerprint: str | None = Field(default=None, max_length=64)
    published_at: datetime = Field(sa_column=_dt(nullable=False, index=True))
    fetched_at: datetime = Field(sa_column=_dt(nullable=False))
    historical: bool = False
    language: str | None = Field(default=None, max_length=16)
    brand: str | None = Field(default=None, max_length=200)
    sentiment: float | None = None
    complaint: float | None = None
    aspect: str | None = Field(default=None, max_length=32)
    negative: bool | None = None
    analyzed_at: datetime | None = Field(default=None, sa_column=_dt())
    detected_at: datetime | None = Field(default=None, sa_column=_dt())
    # Looked up by the incident_id-led ix_mention_incident_voice.
    incident_id: int | None = Field(default=None, foreign_key="incident.id")


class Incident(SQLModel, table=True):
    __table_args__ = (
        # A run's joinable incidents: its brand's open ones, and its resolved ones seen lately.
        Index("ix_incident_brand_state_seen", "brand", "state", "last_seen"),
        # Which brands have open incidents, without a brand to start from.
        Index("ix_incident_state_brand", "state", "brand"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=200)
    label: str = Field(sa_type=Text)
    key_terms: str = Field(default="", sa_type=Text)
    aspect: str | None = Field(default=None, max_length=32)
    seed_mention_id: int | None = None
    first_seen: datetime = Field(sa_column=_dt(nullable=False))
    last_seen: datetime = Field(sa_column=_dt(nullable=False))
    mentions: int = 0
    sources: int = 0
    # Independent voices: sites and authors weighted by source, repeats discounted.
    voices: float = 0.0
    state: str = Field(default=State.WATCHING.value, max_length=16)
    severity: str = Field(default=Severity.LOW.value, max_length=16)
    alerted_mentions: int = 0
    alerted_severity: str | None = Field(default=None, max_length=16)
    # The spread model's state (detect/spread.py) and its latest word.
    spread: str | None = Field(default=None, sa_type=Text)
    forecast_size: float | None = None
    forecast_threshold_at: datetime | None = Field(default=None, sa_column=_dt())
    p_viral: float | None = None
    # How unusual the brand's last hour was against its baseline (-log10 p).
    surprise: float | None = None
    # Mean multilingual embedding of the incident's mentions, half precision.
    centroid: bytes | None = Field(default=None, sa_type=LargeBinary)
    historical: bool = False
    slack_channel: str | None = Field(default=None, max_length=200)
    slack_ts: str | None = Field(default=None, max_length=64)
    # The last choice a person made from the alert's buttons, shown in the message.
    handled_action: str | None = Field(default=None, max_length=32)
    handled_by: str | None = Field(default=None, max_length=200)
    handled_at: datetime | None = Field(default=None, sa_column=_dt())
    snoozed_until: datetime | None = Field(default=None, sa_column=_dt())
    updated_at: datetime = Field(sa_column=_dt(nullable=False))


class Outbox(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # NULL for digests, which speak of many incidents.
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    kind: str = Field(max_length=16)
    idempotency_key: str = Field(unique=True, max_length=200)
    payload: str = Field(sa_type=Text)
    status: str = Field(default=Status.PENDING.value, max_length=16)
    # Claims started and attempts finished: more claims than attempts means a deliverer died
    # mid-send, and the message may have reached Slack (checked before sending again).
    claims: int = 0
    attempts: int = 0
    created_at: datetime = Field(sa_column=_dt(nullable=False))
    next_attempt_at: datetime = Field(sa_column=_dt(nullable=False))
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = Field(default=None, sa_column=_dt())
    sent_at: datetime | None = Field(default=None, sa_column=_dt())
    channel: str | None = Field(default=None, max_length=200)
    slack_ts: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=Text)
    # For a permanent failure: which delivery setup failed (a digest of the Slack target),
    # so that a changed setup retries it by itself.
    failed_target: str | None = Field(default=None, max_length=64)
    # Re-sends after a lost answer that could not first check Slack (a webhook, or a
    # channel that cannot be read back): at most one, so at most one duplicate.
    unverified_sends: int = 0


class Heartbeat(SQLModel, table=True):
    """One row per running daemon, rewritten every few seconds: who works on this database
    (`wommon status`), how its jobs fare, and whose claims are orphaned (a daemon whose
    row has gone stale is dead or frozen, and its leases are given back)."""

    owner: str = Field(primary_key=True, max_length=200)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(sa_column=_dt(nullable=False))
    seen_at: datetime = Field(sa_column=_dt(nullable=False, index=True))
    # {job: {"ok_at", "failures", "error", "ran_at"}}, as `wommon.service.jobs` writes it.
    jobs: str = Field(default="{}", sa_type=Text)


class HostSlot(SQLModel, table=True):
    """One of the few fetches that may run at once against a host, across every daemon:
    taken for the length of a fetch (with an expiry, so a dead daemon's slot frees
    itself). Politeness that holds however many daemons share the work."""

    __tablename__ = "host_slot"

    host: str = Field(primary_key=True, max_length=255)
    slot: int = Field(primary_key=True)
    owner: str | None = Field(default=None, max_length=200)
    until: datetime | None = Field(default=None, sa_column=_dt())


class ChannelPace(SQLModel, table=True):
    """When the next message may go to a Slack channel, shared by every daemon: Slack's
    one message a second (and a 429's Retry-After) is per channel, not per process."""

    __tablename__ = "channel_pace"

    channel: str = Field(primary_key=True, max_length=200)
    next_at: datetime = Field(sa_column=_dt(nullable=False))
    blocked_until: datetime | None = Field(default=None, sa_column=_dt())


class MentionTally(SQLModel, table=True):
    """Stored mentions of one language and verdict (store/tally.py keeps it current)."""

    __tablename__ = "mention_tally"

    language: str = Field(primary_key=True, max_length=16)
    verdict: str = Field(primary_key=True, max_length=16)
    mentions: int = 0


class BrandHour(SQLModel, table=True):
    """Negative mentions of a brand per UTC hour: the history its baseline is learnt
    from. Recounted from the mentions for every hour detection touches, so re-running
    detection or re-scoring history never counts a mention twice."""

    __tablename__ = "brand_hour"
    __table_args__ = (UniqueConstraint("brand", "hour", name="uq_brand_hour"),)

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=200)
    hour: datetime = Field(sa_column=_dt(nullable=False))
    negative: int = 0


class Label(SQLModel, table=True):
    """A person's verdict on one mention, from the alert in Slack: training data for the
    deployment's own model (`wommon labels export`, `wommon train --from-labels`). The
    text is copied: a label is a training row on its own, exported without a join."""

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int | None = Field(default=None, foreign_key="mention.id", index=True)
    verdict: str = Field(max_length=32)
    brand: str | None = Field(default=None, max_length=200)
    domain: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=16)
    text: str = Field(default="", sa_type=Text)
    labelled_by: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=_dt(nullable=False))


class MutedSite(SQLModel, table=True):
    """A site whose mentions no longer count for a brand ("Mute this site")."""

    __tablename__ = "muted_site"

    brand: str = Field(primary_key=True, max_length=200)
    domain: str = Field(primary_key=True, max_length=255)
    muted_by: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=_dt(nullable=False))
