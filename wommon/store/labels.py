"""The team's verdicts on single mentions, from the alert in Slack, and what they teach.

A click on "Not about us" or "Not a complaint" is stored as a label; "Mute this site" is
stored as one too and mutes the site for the brand (detection stops counting its
mentions). Training rows are the labels plus the mentions of incidents a person
acknowledged, snoozed or resolved: the team said those stories were real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from wommon.store import hours
from wommon.store.db import reading, transaction
from wommon.store.enums import Action, Verdict
from wommon.store.locks import xact_lock
from wommon.store.models import Incident, Label, Mention, MutedSite

COMPLAINT, OTHER = "complaint", "other"
# A person's choice on the incident that says its story was a real one.
CONFIRMING = (Action.ACK, Action.SNOOZE, Action.RESOLVE)
_TEACHES = {Verdict.NOT_ABOUT_US: OTHER, Verdict.NOT_A_COMPLAINT: OTHER}


@dataclass(frozen=True)
class Labelled:
    """One row of `wommon labels export`: a text and what it is, and who said so."""

    text: str
    # complaint, other, or "" for a verdict on the site rather than the text.
    label: str
    reason: str
    brand: str | None
    domain: str | None
    language: str | None
    labelled_by: str | None
    labelled_at: datetime | None
    mention_id: int | None


def record(engine: Engine, mention_id: int, verdict: Verdict, user: str, now: datetime) -> bool:
    """Store a person's verdict on a mention; False when the mention is unknown."""
    with transaction(engine) as session:
        mention = session.get(Mention, mention_id)
        if mention is None:
            return False
        session.add(
            Label(
                mention_id=mention_id,
                verdict=verdict.value,
                brand=mention.brand,
                domain=mention.domain,
                language=mention.language,
                text=_text(mention.title, mention.text),
                labelled_by=user,
                created_at=now,
            )
        )
        brand, domain = mention.brand, mention.domain
        if (
            verdict == Verdict.MUTE_SITE
            and brand
            and domain
            and session.get(MutedSite, (brand, domain)) is None
        ):
            # Detection of the brand waits (or is waited for): a mention of the site it
            # takes after this counts no more, one it took before is taken back here.
            xact_lock(session, "detect", brand)
            session.add(MutedSite(brand=brand, domain=domain, muted_by=user, created_at=now))
            hours.take_site(session, brand, domain)
    return True


def exported(engine: Engine) -> list[Labelled]:
    """Every label, then the mentions of confirmed incidents nobody labelled otherwise."""
    with reading(engine) as session:
        labels = session.exec(select(Label).order_by(col(Label.id))).all()
        rows = [
            Labelled(
                text=label.text,
                label=_TEACHES.get(Verdict(label.verdict), ""),
                reason=label.verdict,
                brand=label.brand,
                domain=label.domain,
                language=label.language,
                labelled_by=label.labelled_by,
                labelled_at=label.created_at,
                mention_id=label.mention_id,
            )
            for label in labels
        ]
        judged = {label.mention_id for label in labels if label.verdict in _TEACHES}
        confirmed = session.exec(
            select(Mention, Incident.handled_action, Incident.handled_by, Incident.handled_at)
            .join(Incident, col(Incident.id) == col(Mention.incident_id))
            .where(col(Incident.handled_action).in_([a.value for a in CONFIRMING]))
            .order_by(col(Mention.id))
        ).all()
        rows += [
            Labelled(
                text=_text(mention.title, mention.text),
                label=COMPLAINT,
                reason=f"incident_{action}",
                brand=mention.brand,
                domain=mention.domain,
                language=mention.language,
                labelled_by=by,
                labelled_at=at,
                mention_id=mention.id,
            )
            for mention, action, by, at in confirmed
            if mention.id not in judged
        ]
    return rows


def _text(title: str, text: str) -> str:
    return "\n".join(part for part in (title.strip(), text.strip()) if part)
