"""A brand's negative mentions per UTC hour, kept by adding what each detection run
counted: one upsert a run, whatever the hours already hold.

The rows count the mentions detection has taken (negative, of a site not muted for the
brand). A mention is detected once, in the transaction that adds it here; whatever hands
mentions back to detection recounts their hours first (detect/counts.py), and muting a site
takes back what it had added, so no mention is ever counted twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from wommon.store import bulk
from wommon.store.models import BrandHour, Mention


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def add(session: Session, brand: str, counted: Mapping[datetime, int]) -> dict[datetime, int]:
    """Add each hour's count to the brand's row, in one statement; returns the new count of
    each hour something was added to."""
    rows = [{"brand": brand, "hour": h, "negative": n} for h, n in sorted(counted.items()) if n]
    added = bulk.add_to(session, BrandHour, ("brand", "hour"), "negative", rows)
    return {hour: n for (_, hour), n in added.items()}


def take_site(session: Session, brand: str, domain: str) -> int:
    """Take a muted site's detected negative mentions back out of the brand's hours;
    returns how many were taken."""
    published = session.exec(
        select(Mention.published_at).where(
            Mention.brand == brand,
            Mention.domain == domain,
            col(Mention.negative).is_(True),
            col(Mention.detected_at).is_not(None),
        )
    ).all()
    counted = Counter(hour_of(at) for at in published)
    if counted:
        session.connection().execute(
            update(BrandHour)
            .where(col(BrandHour.brand) == bindparam("b"), col(BrandHour.hour) == bindparam("h"))
            .values(negative=col(BrandHour.negative) - bindparam("n")),
            [{"b": brand, "h": h, "n": n} for h, n in sorted(counted.items())],
        )
    return sum(counted.values())
