"""What an incident is called and what it is about, chosen again when it opens, escalates
or re-opens: its headline from its most representative mention, its aspect by majority."""

from __future__ import annotations

from sqlalchemy import bindparam, func
from sqlalchemy import select as columns
from sqlmodel import Session, col

from wommon.detect.cluster import term_set
from wommon.detect.rows import IncidentRow
from wommon.store.models import Mention
from wommon.store.prepared import Prepared

# Built once: every alert that opens, escalates or re-opens sends them.
_ASPECT = Prepared(
    columns(col(Mention.aspect))
    .where(col(Mention.incident_id) == bindparam("incident"), col(Mention.aspect).is_not(None))
    .group_by(col(Mention.aspect))
    .order_by(func.count().desc(), col(Mention.aspect))
    .limit(1)
)


def refresh_aspect(session: Session, incident: IncidentRow) -> None:
    aspect = _ASPECT.scalar(session.connection(), {"incident": incident.id})
    incident.aspect = aspect or incident.aspect


# Mentions weighed when choosing an incident's headline (the newest tell the story as it
# is now), and how much of each text: the opening says what a post is about.
_LABEL_CANDIDATES = 100
_LABEL_CHARS = 400
_CANDIDATES = Prepared(
    columns(col(Mention.id), col(Mention.title), col(Mention.text))
    .where(col(Mention.incident_id) == bindparam("incident"), col(Mention.negative).is_(True))
    .order_by(col(Mention.id).desc())
    .limit(_LABEL_CANDIDATES)
)


def refresh_label(session: Session, incident: IncidentRow) -> None:
    """Head the incident with its most representative negative mention: the one whose
    title and text carry most of the story's key terms (the title counting double), the
    earliest on a tie. The seed's title alone can mislead ("Contoso Bank great service"
    heading a complaint whose text is the story)."""
    key = set(incident.key_terms.split())
    if not key:
        return
    rows = _CANDIDATES.rows(session.connection(), {"incident": incident.id})
    best: tuple[int, int] | None = None
    label = incident.label
    for mention_id, title, text in rows:
        in_title = len(key & term_set(title))
        score = (2 * in_title + len(key & term_set(text[:_LABEL_CHARS])), -(mention_id or 0))
        if best is None or score > best:
            best = score
            label = title if title and in_title else text[:120]
    incident.label = label[:300]
