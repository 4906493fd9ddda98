"""Reading the state: sources, incidents, health at a glance."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from wommon import config as config_mod
from wommon import defaults, logs
from wommon.cli import config_argument, fail, load_settings, main, slack_target, table, when
from wommon.clock import SystemClock
from wommon.clock import since as parse_since
from wommon.errors import WommonError
from wommon.store.enums import State
from wommon.wording import plural

if TYPE_CHECKING:
    from wommon.service.readout import IncidentRow
    from wommon.service.status import Snapshot


@main.command()
@config_argument
def sources(config_path: str) -> None:
    """List every source with its status, failures, last error and mentions collected."""
    from wommon.service.readout import read_sources

    settings = load_settings(config_path)
    try:
        found = read_sources(settings)
    except WommonError as exc:
        fail(str(exc))
    rows = [
        (
            s.name,
            s.kind,
            s.status,
            when(s.last_success),
            s.failures,
            when(s.next_due),
            s.mentions,
            logs.REDACT(s.problem)[:80],
        )
        for s in found
    ]
    headers = (
        "name",
        "kind",
        "status",
        "last success",
        "failures",
        "next due",
        "mentions",
        "last error",
    )
    click.echo(table(headers, rows) if rows else "no sources: add [[sources]] to the config")


@main.command()
@config_argument
def status(config_path: str) -> None:
    """Health at a glance: database, sources, mentions, incidents and Slack delivery.

    Exits 1 when something needs attention (database unreachable, alerts failing, no
    daemon working, sources overdue), so it can serve as a check in scripts.
    """
    from wommon.alert.outbox import RETRY_HINT
    from wommon.service.status import snapshot
    from wommon.store.db import make_engine

    settings = load_settings(config_path)
    try:
        engine = make_engine(settings.storage.url, readonly=True)
    except WommonError as exc:
        fail(str(exc))
    now = SystemClock().now()
    overdue_after = timedelta(seconds=settings.daemon.unhealthy_after_seconds)
    snap = snapshot(engine, now, overdue_after)
    click.echo(f"database:  {'ok' if snap.database_ok else snap.database_error}")
    if not snap.database_ok:
        sys.exit(1)
    click.echo(f"sources:   {_counts(snap.sources) or 'none'}")
    if snap.overdue:
        late = now - (snap.overdue_since or now)
        click.echo(
            f"  - OVERDUE: {plural(snap.overdue, 'source')} not polled on time, the oldest due "
            f"{_duration(late)} ago (at {when(snap.overdue_since)})"
        )
    verdicts: dict[str, int] = {}
    languages: dict[str, int] = {}
    for (language, verdict), n in snap.mentions.items():
        verdicts[verdict] = verdicts.get(verdict, 0) + n
        languages[language] = languages.get(language, 0) + n
    click.echo(f"mentions:  {_counts(verdicts) or 'none'} (languages: {_counts(languages) or '-'})")
    click.echo(f"incidents: {_counts(snap.incidents) or 'none'}")
    click.echo(f"outbox:    {_counts(snap.outbox) or 'empty'}")
    target = slack_target(settings)
    click.echo(f"alerts to: {'Slack ' + target.channel if target else 'console'}")
    working = _daemons(settings, snap, now)
    if snap.recent_failures:
        click.echo("slack:     FAILING — alerts that could not be delivered:")
        for failure in snap.recent_failures:
            click.echo(f"  - {logs.REDACT(failure)}")
        ids = ", ".join(str(i) for i in snap.failed_alerts)
        click.echo(f"  (alert ids {ids}) then: {RETRY_HINT}")
        sys.exit(1)
    click.echo("slack:     ok" if target else "slack:     not used (alerts print to the console)")
    if not working or snap.overdue:
        sys.exit(1)


def _duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    hours = round(seconds / 3600)
    return f"{hours} h" if hours < 48 else f"{round(hours / 24)} days"


def _daemons(settings: config_mod.Settings, snap: Snapshot, now: datetime) -> bool:
    """Print who works on this database; False when no daemon is working (none alive, or
    every live one has a failing job)."""
    from wommon.service.jobs import job_problems

    d = settings.daemon
    alive_for = timedelta(seconds=defaults.HEARTBEAT_MISSES * d.heartbeat_seconds)
    alive = [x for x in snap.daemons if now - x.seen_at <= alive_for]
    if not alive:
        last = snap.daemons[0] if snap.daemons else None
        seen = f"last heard from {last.owner} at {when(last.seen_at)}" if last else "never seen"
        click.echo(f"daemon:    NOT RUNNING ({seen})")
        return False
    healthy = False
    for daemon in alive:
        problems = job_problems(
            daemon.jobs,
            now,
            daemon.started_at,
            max_failures=d.unhealthy_after_failures,
            max_silence=timedelta(seconds=d.unhealthy_after_seconds),
        )
        healthy = healthy or not problems
        jobs = ", ".join(
            f"{name} {when(job.ok_at)}" for name, job in sorted(daemon.jobs.items()) if job.ok_at
        )
        click.echo(f"daemon:    {daemon.owner} (last success: {jobs or 'none yet'})")
        for problem in problems:
            click.echo(f"  - FAILING {logs.REDACT(problem)}")
    return healthy


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


_STATES = tuple(s.value for s in State)


@main.command()
@config_argument
@click.option("--all", "show_all", is_flag=True, help="Include resolved and dismissed ones.")
@click.option("--brand", help="Only this brand's incidents.")
@click.option("--state", type=click.Choice(_STATES), help="Only incidents in this state.")
@click.option("--since", metavar="DATE", help="Only incidents seen since (2026-03-01, 7d, 12h).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
def incidents(
    config_path: str,
    show_all: bool,
    brand: str | None,
    state: str | None,
    since: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List incidents, newest first (`wommon incident ID` shows one whole)."""
    from wommon.service.readout import read_incidents

    settings = load_settings(config_path)
    start = _since(since)
    try:
        found = read_incidents(settings, show_all=show_all, brand=brand, state=state, since=start)
    except WommonError as exc:
        fail(str(exc))
    if as_json or as_csv:
        records = [_record(i) for i in found]
        from wommon.service.readout import IncidentRow

        _dump(records, as_csv, [f.name for f in fields(IncidentRow)])
        return
    rows = [
        (
            i.id,
            i.brand,
            i.state,
            i.severity,
            i.mentions,
            i.sources,
            _forecast(i),
            when(i.first_seen),
            i.label[:60],
            " ".join(i.key_terms[:5]),
        )
        for i in found
    ]
    headers = (
        "id",
        "brand",
        "state",
        "severity",
        "mentions",
        "sources",
        "forecast",
        "first seen",
        "story",
        "key terms",
    )
    click.echo(table(headers, rows) if rows else "no incidents")


@main.command()
@config_argument
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def incident(config_path: str, incident_id: int, as_json: bool) -> None:
    """One incident whole: its figures, every mention (time, site, author, language,
    verdict, link) and every alert it raised."""
    from wommon.service.readout import read_incident

    settings = load_settings(config_path)
    try:
        detail = read_incident(settings, incident_id)
    except WommonError as exc:
        fail(str(exc))
    if detail is None:
        fail(f"no incident {incident_id} (see `wommon incidents CONFIG --all`)")
    if as_json:
        click.echo(
            json.dumps(
                {
                    **_record(detail.incident),
                    "mentions": [_plain(asdict(m)) for m in detail.mentions],
                    "alerts": [_plain(asdict(a)) for a in detail.alerts],
                    "handled": detail.handled,
                },
                ensure_ascii=False,
            )
        )
        return
    i = detail.incident
    click.echo(f"incident {i.id}: {i.label}")
    click.echo(
        f"  {i.brand} · {i.state} · severity {i.severity} · {plural(i.mentions, 'mention')} "
        f"from {plural(i.sources, 'source')} · forecast {_forecast(i)} · "
        f"first seen {when(i.first_seen)}"
    )
    click.echo(f"  key terms: {' '.join(i.key_terms) or '-'}")
    click.echo("\nhistory:")
    click.echo(f"  {when(i.first_seen)}  opened    first mention")
    for a in detail.alerts:
        sent = f"alert sent {when(a.sent)}" if a.sent else f"alert {a.status}"
        error = f": {a.error}" if a.error else ""
        click.echo(f"  {when(a.created)}  {_TOLD.get(a.kind, a.kind):9} {sent}{error}")
    if detail.handled:
        click.echo(f"  handled in Slack: {detail.handled}")
    click.echo(f"  now {i.state}")
    click.echo("\nmentions:")
    rows = [
        (
            when(m.published),
            m.site or "-",
            m.author or "-",
            m.language or "-",
            m.verdict,
            m.aspect or "-",
            m.title[:50],
            m.url or "-",
        )
        for m in detail.mentions
    ]
    headers = ("published", "site", "author", "lang", "verdict", "aspect", "title", "link")
    click.echo(table(headers, rows) if rows else "  none")


# What each kind of alert says happened to the incident.
_TOLD = {
    "open": "alerting",
    "update": "grew",
    "escalate": "escalated",
    "reopen": "re-opened",
    "resolve": "resolved",
}


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_since(value, SystemClock().now())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None


def _record(i: IncidentRow) -> dict[str, object]:
    record = _plain(asdict(i))
    record["key_terms"] = " ".join(i.key_terms)
    return record


def _plain(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _dump(records: list[dict[str, object]], as_csv: bool, fields: list[str]) -> None:
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
        return
    for record in records:
        click.echo(json.dumps(record, ensure_ascii=False))


def _forecast(incident: IncidentRow) -> str:
    """ "40 (55%)": the cautious final-size forecast and the chance of going viral."""
    if incident.forecast_size is None:
        return "-"
    chance = f" ({incident.p_viral:.0%})" if incident.p_viral is not None else ""
    return f"{incident.forecast_size:.0f}{chance}"
