"""Two alert rules people use today, run beside the detector by `wommon replay` so every
figure it prints has a yardstick. Both look only at how many mentions arrive per hour.

- Huginn's PeakDetectorAgent: the newest hourly count is a peak when it exceeds the mean
  plus 3 standard deviations of the counts in the 14 days before it (at least 4 points),
  with at least 2 days between peaks.
- The vendors' spike alert: the last hour has at least twice the hourly mean of the 12
  hours before it, and at least 5 mentions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np

HUGINN_WINDOW_HOURS = 14 * 24
HUGINN_STD_MULTIPLE = 3.0
HUGINN_MIN_POINTS = 4
HUGINN_SPACING = timedelta(days=2)
SPIKE_WINDOW_HOURS = 12
SPIKE_FACTOR = 2.0
SPIKE_MIN = 5


def _series(counts: Mapping[datetime, int]) -> tuple[list[datetime], np.ndarray]:
    """Every hour from the first to the last, quiet hours as zeros (an hourly job reports
    them too)."""
    if not counts:
        return [], np.zeros(0)
    first, last = min(counts), max(counts)
    hours = [
        first + timedelta(hours=i) for i in range(int((last - first).total_seconds() // 3600) + 1)
    ]
    return hours, np.array([counts.get(h, 0) for h in hours], dtype=float)


def _trailing(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point: how many, the mean and the standard deviation of the `width` points
    before it (fewer at the start)."""
    sums = np.concatenate([[0.0], np.cumsum(values)])
    squares = np.concatenate([[0.0], np.cumsum(values**2)])
    idx = np.arange(len(values))
    start = np.maximum(idx - width, 0)
    n = idx - start
    total = sums[idx] - sums[start]
    total_sq = squares[idx] - squares[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), 0.0)
        var = np.where(n > 0, total_sq / np.maximum(n, 1) - mean**2, 0.0)
    return n, mean, np.sqrt(np.maximum(var, 0.0))


def huginn_peaks(counts: Mapping[datetime, int]) -> list[datetime]:
    """Hours the PeakDetectorAgent rule flags."""
    hours, values = _series(counts)
    n, mean, std = _trailing(values, HUGINN_WINDOW_HOURS)
    peaks: list[datetime] = []
    for i in np.nonzero((n >= HUGINN_MIN_POINTS) & (values > mean + HUGINN_STD_MULTIPLE * std))[0]:
        if not peaks or hours[i] - peaks[-1] >= HUGINN_SPACING:
            peaks.append(hours[i])
    return peaks


def spike_alerts(counts: Mapping[datetime, int]) -> list[datetime]:
    """Hours the spike rule flags."""
    hours, values = _series(counts)
    n, mean, _ = _trailing(values, SPIKE_WINDOW_HOURS)
    hits = (n >= 1) & (values >= SPIKE_FACTOR * mean) & (values >= SPIKE_MIN)
    return [hours[i] for i in np.nonzero(hits)[0]]
