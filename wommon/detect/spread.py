"""How fast an incident spreads and how large it will get: a self-exciting (Hawkes-type)
estimate in the spirit of SEISMIC (Zhao et al., KDD 2015), updated with every mention.

Each mention raises the story's intensity, which then fades along a memory kernel. The
kernel is a power law (stories are retold for weeks, not minutes) written as a mixture of
exponentials, so the whole state is a few decaying sums: one update costs O(time scales),
needs no stored history and no training data.

What is still to come is `M * U`: `U` the intensity the story's mentions have yet to
spend, `M` how many further mentions each unit brings. `M` varies a hundredfold between
real stories, so it is a distribution (lognormal) rather than a number: the forecast is a
cautious quantile of it, and the chance of going viral is its tail beyond the threshold.

Two distributions of `M` serve two purposes. Detection decides on one fixed lognormal: its
tail is a good score for "alert now" (the replay's recall and precision were reached with
it) but not a true probability. What an alert says uses `M` as stories actually went on
from a moment like the present one (`Said`): far more to come in a burst's first hours,
far less once a story's mentions are days old. Scored on how the FakeNewsNet stories ended,
the fixed tail stated 42% on average in first alerts that came true 58% of the time, and
its "at least" held 88% of the time at the first alert against 50% four days in, where "7
in 10" is said.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from statistics import NormalDist

from wommon import defaults

_HOUR = 3600.0
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Kernel:
    """A power law with exponent `theta`, sampled at `scales_hours`."""

    scales_hours: tuple[float, ...] = defaults.SPREAD_SCALES_HOURS
    theta: float = defaults.SPREAD_THETA

    @cached_property
    def weights(self) -> tuple[float, ...]:
        raw = [s**-self.theta for s in self.scales_hours]
        total = sum(raw)
        return tuple(w / total for w in raw)


KERNEL = Kernel()


@dataclass(frozen=True)
class SpreadState:
    """What an incident's spread so far amounts to, as of `at`."""

    mentions: int = 0
    # Independent voices: sources weighted, repeats of one author or site discounted.
    voices: float = 0.0
    # Per kernel time scale, the sum of voice weights decayed to `at`.
    traces: tuple[float, ...] = ()
    at: datetime | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "mentions": self.mentions,
                "voices": round(self.voices, 6),
                "traces": [round(t, 9) for t in self.traces],
                "at": self.at.isoformat() if self.at else None,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> SpreadState:
        if not text:
            return cls()
        raw = json.loads(text)
        at = datetime.fromisoformat(raw["at"]) if raw.get("at") else None
        return cls(raw["mentions"], raw["voices"], tuple(raw["traces"]), at)


def decay(state: SpreadState, now: datetime, kernel: Kernel = KERNEL) -> SpreadState:
    """The state as seen at `now` (never earlier than its own time)."""
    # Built directly, not by dataclasses.replace: every mention of a run decays its story.
    if state.at is None or now <= state.at:
        return state
    if not state.traces:
        return SpreadState(state.mentions, state.voices, state.traces, now)
    dt = (now - state.at).total_seconds() / _HOUR
    scales = kernel.scales_hours
    traces = tuple(t * math.exp(-dt / s) for t, s in zip(state.traces, scales, strict=True))
    return SpreadState(state.mentions, state.voices, traces, now)


def observe(
    state: SpreadState, at: datetime, weight: float = 1.0, kernel: Kernel = KERNEL
) -> SpreadState:
    """Add one mention published at `at` carrying `weight` of independent voice.

    Mentions may arrive out of order (a feed polled late): an older one is added at its
    own age, so the state does not depend on the order of arrival."""
    if not state.traces:
        state = SpreadState(state.mentions, state.voices, (0.0,) * len(kernel.scales_hours), at)
    last = state.at or at
    if at >= last:
        state = decay(state, at, kernel)
        lag = 0.0
    else:
        lag = (last - at).total_seconds() / _HOUR
    traces = tuple(
        t + weight * math.exp(-lag / s)
        for t, s in zip(state.traces, kernel.scales_hours, strict=True)
    )
    return SpreadState(state.mentions + 1, state.voices + weight, traces, state.at)


@dataclass(frozen=True)
class Outlook:
    """The model's word on one incident at one moment: what detection decides on, and
    what an alert says."""

    # Detection's cautious size (SPREAD_FORECAST_QUANTILE of the fixed multiplier).
    size: float
    # Detection's score: the fixed multiplier's tail beyond the viral threshold.
    p_viral: float
    # When the median expectation (as said) crosses the threshold; None if it does not.
    threshold_at: datetime | None
    # Intensity still to be spent: near zero when the story has gone quiet.
    pending: float
    # What an alert says: "at least" this many (SPREAD_FORECAST_QUANTILE), and the chance
    # of reaching the viral threshold, both with the multiplier stories showed (`Said`).
    said_size: float
    said_chance: float


@dataclass(frozen=True)
class Multiplier:
    """Lognormal spread of M, further mentions per unit of pending intensity."""

    median: float = defaults.SPREAD_MULTIPLIER_MEDIAN
    sigma: float = defaults.SPREAD_MULTIPLIER_SIGMA

    def quantile(self, q: float) -> float:
        return self.median * math.exp(self.sigma * _NORMAL.inv_cdf(q))

    def above(self, m: float) -> float:
        """P(M >= m)."""
        if m <= 0:
            return 1.0
        return 1 - _NORMAL.cdf(math.log(m / self.median) / self.sigma)


MULTIPLIER = Multiplier()


def pending(state: SpreadState, kernel: Kernel = KERNEL) -> float:
    return sum(w * t for w, t in zip(kernel.weights, state.traces, strict=False))


def freshness(state: SpreadState, kernel: Kernel = KERNEL) -> float:
    """Share of the pending intensity held on the kernel's short scales: near 1 in a
    burst's first hours, near 0 once the story's mentions are days old. With no new
    mention it only falls (short scales fade first)."""
    total = pending(state, kernel)
    if total <= 0:
        return 0.0
    short = sum(
        w * t
        for w, t, s in zip(kernel.weights, state.traces, kernel.scales_hours, strict=False)
        if s <= defaults.SPREAD_FRESH_HOURS
    )
    return short / total


@dataclass(frozen=True)
class Said:
    """The multiplier an alert's words use: lognormal, its log-median rising with the
    state's freshness (defaults.py says how it was fitted)."""

    log_median: float = defaults.SPREAD_SAID_LOG_MEDIAN
    log_median_fresh: float = defaults.SPREAD_SAID_LOG_MEDIAN_FRESH
    sigma: float = defaults.SPREAD_SAID_SIGMA

    def multiplier(self, state: SpreadState, kernel: Kernel = KERNEL) -> Multiplier:
        fresh = freshness(state, kernel)
        return Multiplier(math.exp(self.log_median + self.log_median_fresh * fresh), self.sigma)


SAID = Said()


def outlook(
    state: SpreadState,
    now: datetime,
    viral: int,
    *,
    kernel: Kernel = KERNEL,
    multiplier: Multiplier = MULTIPLIER,
    said: Said = SAID,
    quantile: float = defaults.SPREAD_FORECAST_QUANTILE,
    when: bool = True,
) -> Outlook:
    """The forecast at `now`; `when=False` skips the (costlier) time to the threshold."""
    current = decay(state, now, kernel)
    u = pending(current, kernel)
    size = current.mentions + multiplier.quantile(quantile) * u
    told = said.multiplier(current, kernel)
    said_size = current.mentions + told.quantile(quantile) * u
    if current.mentions >= viral:
        return Outlook(size, 1.0, now, u, said_size, 1.0)
    p_viral = chance = 0.0
    if u > 0:
        needed = (viral - current.mentions) / u
        p_viral, chance = multiplier.above(needed), told.above(needed)
    crossing = _crossing(current, now, viral, told.median, kernel) if when else None
    return Outlook(size, p_viral, crossing, u, said_size, chance)


@dataclass(frozen=True)
class Projection:
    """Where the story's total is expected to go from `now`: per future moment, the median
    expectation and a band between two quantiles of M (what a chart draws)."""

    times: tuple[datetime, ...]
    low: tuple[float, ...]
    median: tuple[float, ...]
    high: tuple[float, ...]
    # The band's quantiles, so a legend can say how sure it is.
    quantiles: tuple[float, float]


def projection(
    state: SpreadState,
    now: datetime,
    hours: tuple[float, ...],
    *,
    band: tuple[float, float] = (0.15, 0.85),
    kernel: Kernel = KERNEL,
    said: Said = SAID,
) -> Projection:
    """Mentions expected by `now + h` for each h in `hours`: mentions so far plus M times
    the intensity spent by then, with M (as an alert says it) at the band's quantiles and
    at its median."""
    current = decay(state, now, kernel)
    multiplier = said.multiplier(current, kernel)
    spent = [_spent(current, h, kernel) for h in hours]

    def path(m: float) -> tuple[float, ...]:
        return tuple(current.mentions + m * s for s in spent)

    return Projection(
        times=tuple(now + timedelta(hours=h) for h in hours),
        low=path(multiplier.quantile(band[0])),
        median=path(multiplier.median),
        high=path(multiplier.quantile(band[1])),
        quantiles=band,
    )


def _spent(state: SpreadState, hours: float, kernel: Kernel) -> float:
    """Intensity the story spends in the next `hours`."""
    return sum(
        w * t * (1 - math.exp(-hours / s))
        for w, t, s in zip(kernel.weights, state.traces, kernel.scales_hours, strict=False)
    )


def _crossing(
    state: SpreadState, now: datetime, viral: int, m: float, kernel: Kernel
) -> datetime | None:
    """When mentions + m * (intensity spent from now on) reaches `viral`, by bisection
    over the next year (the expectation rises monotonically, so one crossing at most)."""

    def reached(hours: float) -> float:
        return state.mentions + m * _spent(state, hours, kernel)

    low, high = 0.0, 24.0 * 365
    if reached(high) < viral:
        return None
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (low, mid) if reached(mid) >= viral else (mid, high)
    return now + timedelta(hours=high)
