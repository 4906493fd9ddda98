"""The spread model, the brand baseline and the two yardstick rules: pure functions."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import START
from wommon.detect.baseline import COLD_RATE_PER_HOUR, expected_rate, surprise
from wommon.detect.spread import SpreadState, decay, freshness, observe, outlook, pending
from wommon.runs.anchors import huginn_peaks, spike_alerts


def _state(minutes: list[int]) -> SpreadState:
    state = SpreadState()
    for m in minutes:
        state = observe(state, START + timedelta(minutes=m))
    return state


def test_a_burst_is_more_likely_viral_than_the_same_mentions_spread_out() -> None:
    now = START + timedelta(hours=48)
    burst = outlook(_state([2880 - 5 * i for i in range(10)]), now, 50)
    slow = outlook(_state([2880 - 300 * i for i in range(10)]), now, 50)
    assert burst.p_viral > slow.p_viral
    assert burst.size > slow.size >= 10
    assert burst.threshold_at is not None and burst.threshold_at > now


def test_a_story_that_went_quiet_fades() -> None:
    state = _state([0, 5, 10, 15])
    soon = outlook(state, START + timedelta(hours=1), 30)
    later = outlook(state, START + timedelta(days=60), 30)
    assert later.p_viral < soon.p_viral and later.pending < soon.pending
    assert later.size == pytest.approx(4, abs=0.5)


def test_what_an_alert_says_expects_more_from_a_fresh_burst_than_from_old_news() -> None:
    """Ten mentions in the last hour, and ten a week ago topped up to the same pending
    intensity: detection's fixed multiplier sees the same future in both, what an alert
    says does not (stories in their first hours went on to far more)."""
    now = START + timedelta(days=8)
    fresh = _state([11520 - 5 * i for i in range(10)])
    old = SpreadState()
    for m in range(10):
        old = observe(old, START + timedelta(minutes=m))
    old_now = decay(old, now)
    fresh_now = decay(fresh, now)
    weight = pending(fresh_now) / pending(old_now)
    topped = SpreadState()
    for m in range(10):
        topped = observe(topped, START + timedelta(minutes=m), weight)
    a, b = outlook(fresh, now, 200), outlook(topped, now, 200)
    assert a.pending == pytest.approx(b.pending) and a.p_viral == pytest.approx(b.p_viral)
    assert freshness(decay(fresh, now)) > 0.6 > 0.01 > freshness(decay(topped, now))
    assert a.said_chance > a.p_viral > b.said_chance
    assert a.said_size > a.size > b.said_size


def test_viral_already_is_certain() -> None:
    state = _state(list(range(30)))
    assert outlook(state, START + timedelta(hours=1), 30).p_viral == 1.0


def test_order_of_arrival_does_not_matter_and_state_round_trips() -> None:
    ordered = _state([0, 30, 60])
    shuffled = _state([60, 0, 30])
    now = START + timedelta(hours=3)
    a, b = decay(ordered, now), decay(shuffled, now)
    assert a.traces == pytest.approx(b.traces)
    back = SpreadState.from_json(a.to_json())
    assert (back.mentions, back.at) == (3, now) and back.traces == pytest.approx(a.traces)
    assert SpreadState.from_json(None) == SpreadState()


def test_a_repeated_voice_adds_less_spread() -> None:
    now = START + timedelta(hours=1)
    three_sites = outlook(_state([0, 10, 20]), now, 30)
    one_site = SpreadState()
    for m, w in ((0, 1.0), (10, 0.1), (20, 0.1)):
        one_site = observe(one_site, START + timedelta(minutes=m), w)
    assert outlook(one_site, now, 30).p_viral < three_sites.p_viral


def test_baseline_follows_the_weekly_rhythm_and_ignores_a_past_incident() -> None:
    monday_9 = START.replace(hour=9)
    counts = {}
    for day in range(35):
        for hour in range(24):
            moment = monday_9.replace(hour=0) - timedelta(days=35 - day) + timedelta(hours=hour)
            counts[moment] = 6 if hour == 9 else 1
    # A past incident: 200 mentions in one hour, two weeks ago.
    counts[monday_9 - timedelta(days=14, hours=3)] = 200
    assert expected_rate(counts, monday_9) == pytest.approx(6)
    assert expected_rate(counts, monday_9.replace(hour=3)) == pytest.approx(1)
    assert expected_rate({}, monday_9) == COLD_RATE_PER_HOUR
    assert surprise(6, 6).level < 1
    assert surprise(30, 6).level > 6


def test_yardstick_rules_flag_a_jump_in_hourly_counts() -> None:
    counts = {START + timedelta(hours=h): 1 for h in range(48)}
    counts[START + timedelta(hours=48)] = 12
    assert huginn_peaks(counts) == [START + timedelta(hours=48)]
    assert spike_alerts(counts) == [START + timedelta(hours=48)]
    counts[START + timedelta(hours=49)] = 13
    assert huginn_peaks(counts) == [START + timedelta(hours=48)]  # two days between peaks
    assert huginn_peaks({}) == [] and spike_alerts({}) == []


@settings(max_examples=200, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 3000), min_size=1, max_size=40),
    weights=st.lists(st.floats(0.0, 3.0), min_size=40, max_size=40),
    later=st.lists(st.floats(0.0, 2000.0), min_size=2, max_size=6),
    viral=st.integers(2, 500),
)
def test_a_quiet_story_never_looks_more_viral_with_time(
    minutes: list[int], weights: list[float], later: list[float], viral: int
) -> None:
    """What lets detection skip reviewing a quiet story until its cooldown: with no new
    mention, neither the chance of going viral nor the forecast size ever rises."""
    state = SpreadState()
    for m, w in zip(sorted(minutes), weights, strict=False):
        state = observe(state, START + timedelta(minutes=m), w)
    last = START + timedelta(minutes=max(minutes))
    seen = [outlook(state, last + timedelta(hours=h), viral, when=False) for h in sorted(later)]
    for before, after in itertools.pairwise(seen):
        assert after.p_viral <= before.p_viral + 1e-12
        assert after.size <= before.size + 1e-9
        assert after.said_chance <= before.said_chance + 1e-12
        assert after.said_size <= before.said_size + 1e-9
