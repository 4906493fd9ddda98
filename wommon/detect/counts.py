"""A brand's negative mentions per UTC hour (the history its baseline learns from), and how
unusual its latest hour is. Detection adds what each run counted (store/hours.py); when
mentions are handed back to detection (history re-scored), their window is counted again
from the detected mentions, so no mention is ever counted twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, literal, union_all
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from wommon.defaults import BASELINE_WEEKS
from wommon.detect.baseline import (
    COLD_RATE_PER_HOUR,
    Surprise,
    baseline_hours,
    surprise,
    usual_rate,
)
from wommon.store import hours as stored_hours
from wommon.store import inlists
from wommon.store.hours import hour_of
from wommon.store.models import BrandHour, Mention, MutedSite
from wommon.store.prepared import Prepared

# Built once: every detection run of every brand reads these.
_CURRENT = Prepared(
    select(BrandHour.negative).where(
        col(BrandHour.brand) == bindparam("brand"), col(BrandHour.hour) == bindparam("hour")
    )
)
# What the usual rate needs, in one statement: the hours it looks at, then one row marked
# `summary` with the first hour counted and the total before the current one. (Every hour
# has as many hours looked at: the statement is built for that many.)
_LOOKED_AT = inlists.size_for(len(baseline_hours(datetime.fromtimestamp(0, UTC))))
_RATE = Prepared(
    union_all(
        select(BrandHour.hour, BrandHour.negative, literal(False).label("summary")).where(
            col(BrandHour.brand) == bindparam("brand"),
            inlists.among(col(BrandHour.hour), "hour", _LOOKED_AT),
        ),
        select(func.min(BrandHour.hour), func.sum(BrandHour.negative), literal(True)).where(
            col(BrandHour.brand) == bindparam("brand"),
            col(BrandHour.hour) >= bindparam("since"),
            col(BrandHour.hour) < bindparam("current"),
        ),
    )
)


class UsualRates:
    """Each brand's usual rate for its current hour, kept between the detection runs of a
    process. The rate is read from the hours before the current one, which do not change
    while it lasts but for late mentions: a run that counts one in an earlier hour reads the
    rate again, and so does the first run of every hour. (Late mentions another daemon
    counts in an earlier hour reach this one's rate at the next hour.)"""

    def __init__(self) -> None:
        self._rates: dict[tuple[str, bool], tuple[datetime, float]] = {}

    def get(self, key: tuple[str, bool], hour: datetime) -> float | None:
        found = self._rates.get(key)
        return found[1] if found is not None and found[0] == hour else None

    def put(self, key: tuple[str, bool], hour: datetime, rate: float) -> None:
        self._rates[key] = (hour, rate)


def count(
    session: Session,
    key: tuple[str, bool],
    counted: Mapping[datetime, int],
    now: datetime,
    rates: UsualRates,
) -> Surprise:
    """Add a run's negative mentions to the brand's hours (`counted` holds every hour the
    run touched, with 0 where none was negative) and say how unusual its latest hour is
    against the brand's usual rate. `key` is the brand and whether it is history."""
    brand = key[0]
    totals = stored_hours.add(session, brand, counted)
    current = hour_of(min(max(counted), now))
    connection = session.connection()
    rate = rates.get(key, current)
    if rate is None or any(n and hour < current for hour, n in counted.items()):
        rate = _usual_rate(connection, brand, current)
        rates.put(key, current, rate)
    observed = totals.get(current)
    if observed is None:
        observed = _CURRENT.scalar(connection, {"brand": brand, "hour": current})
    return surprise(int(observed or 0), rate)


def _usual_rate(connection: Connection, brand: str, current: datetime) -> float:
    since = current - timedelta(weeks=BASELINE_WEEKS + 1)
    rows = _RATE.rows(
        connection,
        {
            "brand": brand,
            **inlists.values("hour", baseline_hours(current), _LOOKED_AT),
            "since": since,
            "current": current,
        },
    )
    counts = {hour: n for hour, n, summary in rows if not summary}
    first, total = next((hour, n) for hour, n, summary in rows if summary)
    if first is None:
        return COLD_RATE_PER_HOUR
    return usual_rate(counts, current, _as_hour(first), int(total or 0))


def _hour_bucket(session: Session) -> Any:
    """The UTC hour of a mention's publication, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", col(Mention.published_at))
    return func.strftime("%Y-%m-%d %H:00:00", col(Mention.published_at))


def _as_hour(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _store_counts(session: Session, brand: str, hours: set[datetime]) -> None:
    """Count the brand's detected negative mentions in `hours` with one grouped query and
    write the brand-hour rows (a recount: what detection has not taken yet it adds when it
    does)."""
    if not hours:
        return
    bucket = _hour_bucket(session)
    counted = {
        _as_hour(at): int(n)
        for at, n in session.execute(
            select(bucket, func.count())
            .where(
                Mention.brand == brand,
                col(Mention.negative).is_(True),
                col(Mention.detected_at).is_not(None),
                col(Mention.published_at) >= min(hours),
                col(Mention.published_at) < max(hours) + timedelta(hours=1),
                # A muted site no longer counts for the brand, in its baseline either.
                ~exists().where(
                    col(MutedSite.brand) == brand, col(MutedSite.domain) == col(Mention.domain)
                ),
            )
            .group_by(bucket)
        )
    }
    rows = {
        row.hour: row
        for row in session.exec(
            select(BrandHour).where(
                BrandHour.brand == brand, col(BrandHour.hour).in_(sorted(hours))
            )
        )
    }
    for hour in hours:
        row = rows.get(hour) or BrandHour(brand=brand, hour=hour)
        row.negative = counted.get(hour, 0)
        session.add(row)


def recount_baselines(session: Session, since: datetime | None, until: datetime) -> int:
    """Rebuild the brand-hour counts of a window from the stored mentions (after history
    was re-scored: a mention may have changed brand or verdict). Returns hours counted."""
    window = [col(BrandHour.hour) <= until]
    if since is not None:
        window.append(col(BrandHour.hour) >= hour_of(since))
    session.execute(delete(BrandHour).where(*window))
    bucket = _hour_bucket(session)
    mentions = select(Mention.brand, bucket).where(
        col(Mention.brand).is_not(None), col(Mention.published_at) <= until
    )
    if since is not None:
        mentions = mentions.where(col(Mention.published_at) >= hour_of(since))
    hours: dict[str, set[datetime]] = defaultdict(set)
    for brand, at in session.execute(mentions.distinct()):
        if brand:
            hours[brand].add(_as_hour(at))
    for brand, brand_hours in hours.items():
        _store_counts(session, brand, brand_hours)
    return sum(len(h) for h in hours.values())
