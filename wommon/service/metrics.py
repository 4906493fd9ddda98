"""Prometheus metrics: counters the daemon's jobs increment, and gauges read from the
database at scrape time (so they are right even after a restart or with several daemons)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wommon.service.status import Snapshot


class _SnapshotCollector(Collector):
    def __init__(self, read: Callable[[], Snapshot]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        snap = self._read()
        up = GaugeMetricFamily("wommon_database_up", "1 when the database answers")
        up.add_metric([], 1.0 if snap.database_ok else 0.0)
        yield up
        sources = GaugeMetricFamily("wommon_sources", "Sources by state", labels=["state"])
        for state, n in sorted(snap.sources.items()):
            sources.add_metric([state], n)
        yield sources
        mentions = GaugeMetricFamily(
            "wommon_mentions",
            "Stored mentions by language and verdict",
            labels=["language", "verdict"],
        )
        for (language, verdict), n in sorted(snap.mentions.items()):
            mentions.add_metric([language, verdict], n)
        yield mentions
        incidents = GaugeMetricFamily("wommon_incidents", "Incidents by state", labels=["state"])
        for state, n in sorted(snap.incidents.items()):
            incidents.add_metric([state], n)
        yield incidents
        outbox = GaugeMetricFamily(
            "wommon_outbox", "Alerts in the outbox by status", labels=["status"]
        )
        for status, n in sorted(snap.outbox.items()):
            outbox.add_metric([status], n)
        yield outbox


# The *_created series double every counter's lines and say nothing a scraper needs.
disable_created_metrics()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.fetches = Counter(
            "wommon_fetches", "Feed fetches by result", ["result"], registry=self.registry
        )
        self.mentions_collected = Counter(
            "wommon_mentions_collected", "New mentions stored", registry=self.registry
        )
        self.deliveries = Counter(
            "wommon_deliveries",
            "Alert delivery attempts by result",
            ["result"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "wommon_job_duration_seconds",
            "Duration of the daemon's jobs",
            ["job"],
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.job_failures = Counter(
            "wommon_job_failures", "Jobs that raised", ["job"], registry=self.registry
        )

    def watch_database(self, read: Callable[[], Snapshot]) -> None:
        self.registry.register(_SnapshotCollector(read))
