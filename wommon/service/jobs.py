"""How the daemon's jobs fare: the record behind /healthz, the heartbeat and `wommon status`.

A daemon whose every job fails (the database read-only, the disk full) is not healthy just
because its scheduler runs: a job that failed several times in a row, or has not succeeded
for a long time, makes the daemon unhealthy, and the report names the job and its error.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from wommon.errors import StorageError


@dataclass(frozen=True)
class JobRecord:
    ran_at: datetime | None = None
    ok_at: datetime | None = None
    failures: int = 0
    error: str | None = None


def job_problems(
    jobs: dict[str, JobRecord],
    now: datetime,
    started_at: datetime,
    *,
    max_failures: int,
    max_silence: timedelta,
) -> list[str]:
    """What is wrong, one line a job: failing `max_failures` times in a row, or no success
    for `max_silence` (counted from the start for a job that never succeeded)."""
    problems = []
    for name, job in sorted(jobs.items()):
        if job.failures >= max_failures:
            problems.append(f"{name}: failed {job.failures} times in a row: {job.error}")
        elif job.failures and now - (job.ok_at or started_at) > max_silence:
            since = (job.ok_at or started_at).isoformat(timespec="seconds")
            problems.append(f"{name}: no success since {since}: {job.error}")
    return problems


class JobBook:
    """Each job's last outcome; written by the job threads, read by health and heartbeat."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, JobRecord] = {}

    def ok(self, name: str, now: datetime) -> None:
        with self._lock:
            self._jobs[name] = JobRecord(ran_at=now, ok_at=now)

    def failed(self, name: str, now: datetime, error: str) -> None:
        with self._lock:
            job = self._jobs.get(name, JobRecord())
            self._jobs[name] = replace(job, ran_at=now, failures=job.failures + 1, error=error)

    def snapshot(self) -> dict[str, JobRecord]:
        with self._lock:
            return dict(self._jobs)


def describe_error(exc: Exception, database: str) -> str:
    """A job's error for logs and health: storage errors name the database."""
    if isinstance(exc, StorageError):
        return str(exc) if database in str(exc) else f"{database}: {exc.reason}"
    text = f"{exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}"
    storage = exc.__class__.__module__.startswith("sqlalchemy")
    return f"{database}: {text}" if storage and database not in text else text


def to_json(jobs: dict[str, JobRecord]) -> str:
    def encode(job: JobRecord) -> dict[str, object]:
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(job).items()}

    return json.dumps({name: encode(job) for name, job in jobs.items()}, sort_keys=True)


def from_json(text: str) -> dict[str, JobRecord]:
    def when(value: object) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    found = {}
    for name, raw in json.loads(text or "{}").items():
        found[name] = JobRecord(
            ran_at=when(raw.get("ran_at")),
            ok_at=when(raw.get("ok_at")),
            failures=int(raw.get("failures") or 0),
            error=raw.get("error"),
        )
    return found
