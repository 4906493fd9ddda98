"""How surprising a brand's negative mentions are right now, against its own usual rate.

A brand's rate has a daily and a weekly rhythm (complaints peak on Monday mornings), and
its history holds past incidents that must not make the next one look normal. So the
usual rate for an hour is a median, not a mean: of the same hour of the week over the last
weeks, and of the same hour of the day over the last week, whichever is larger. The
surprise is how unlikely the last hour's count would be under that rate (Poisson), in
powers of ten: 2 means a one-in-a-hundred hour, 6 a one-in-a-million.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from wommon import defaults

# A brand with no history yet is assumed to see one negative mention a day: a cold start
# is neither deaf (a rate of zero makes every mention a miracle) nor blind.
COLD_RATE_PER_HOUR = 1 / 24


@dataclass(frozen=True)
class Surprise:
    observed: int
    expected: float
    # -log10 P(X >= observed) under the usual rate.
    level: float

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else math.inf


def expected_rate(
    counts: Mapping[datetime, int], hour: datetime, weeks: int = defaults.BASELINE_WEEKS
) -> float:
    """The usual number of negative mentions in `hour` (a UTC hour start), from the hourly
    `counts` before it (hours with none may be absent)."""
    seen = [h for h in counts if h < hour]
    if not seen:
        return COLD_RATE_PER_HOUR
    return usual_rate(counts, hour, min(seen), sum(counts[h] for h in seen), weeks)


def usual_rate(
    counts: Mapping[datetime, int],
    hour: datetime,
    first: datetime,
    total: int,
    weeks: int = defaults.BASELINE_WEEKS,
) -> float:
    """`expected_rate` from what it needs only: the counts of the same hour over the last
    `weeks` weeks and 7 days (`counts` may hold just those), the first hour counted and
    the total counted before `hour` (so detection reads a dozen rows, not five weeks)."""
    same_hour_of_week = [counts.get(hour - timedelta(weeks=w), 0) for w in range(1, weeks + 1)]
    same_hour_of_day = [counts.get(hour - timedelta(days=d), 0) for d in range(1, 8)]
    history_days = (hour - first).total_seconds() / 86400
    weekly = median(same_hour_of_week) if history_days >= 7 * weeks else 0.0
    daily = median(same_hour_of_day[: max(1, min(7, int(history_days)))])
    overall = total / max(history_days * 24, 1.0)
    # Below the overall mean rate the medians are noise of a quiet brand: take the floor.
    return max(weekly, daily, min(overall, 1.0), COLD_RATE_PER_HOUR)


def baseline_hours(hour: datetime, weeks: int = defaults.BASELINE_WEEKS) -> list[datetime]:
    """The hours `usual_rate` looks at for `hour`, and `hour` itself."""
    return [
        hour,
        *(hour - timedelta(weeks=w) for w in range(1, weeks + 1)),
        *(hour - timedelta(days=d) for d in range(1, 8)),
    ]


def surprise(observed: int, expected: float) -> Surprise:
    """-log10 of the Poisson upper tail P(X >= observed), summed from its own terms so
    that tails far below 1e-16 keep their digits."""
    if observed <= 0 or expected <= 0:
        return Surprise(observed, expected, 0.0)
    log_term = -expected + observed * math.log(expected) - math.lgamma(observed + 1)
    terms = [log_term]
    k = observed
    while k < observed + 10_000:
        k += 1
        log_term += math.log(expected / k)
        terms.append(log_term)
        if log_term < terms[0] - 40:
            break
    top = max(terms)
    log_tail = top + math.log(sum(math.exp(t - top) for t in terms))
    return Surprise(observed, expected, round(max(-log_tail / math.log(10), 0.0), 2))
