"""The `wommon` command: a thin layer over the library; library errors become clear messages."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from wommon import __version__, logs
from wommon import config as config_mod
from wommon.clock import SystemClock
from wommon.collect.parsers import KINDS
from wommon.errors import WommonError
from wommon.store.db import current_revision, make_engine, redact, upgrade
from wommon.store.models import Incident, Mention, Source

F = TypeVar("F", bound=Callable[..., Any])

config_argument = click.argument(
    "config_path", metavar="CONFIG", type=click.Path(dir_okay=False), envvar="WOMMON_CONFIG"
)


def _fail(message: str) -> None:
    click.echo(f"error: {logs.REDACT(message)}", err=True)
    sys.exit(1)


def _settings(path: str) -> config_mod.Settings:
    try:
        return config_mod.load(path)
    except WommonError as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wommon")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Lowest level of log line to print.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line, for log shippers.",
)
def main(log_level: str, log_format: str) -> None:
    """wommon: hear a bad customer story while it is still small.

    Collects blog, news, forum and review feeds, finds negative customer experiences,
    groups them into incidents and alerts Slack (or the console) when one spreads.
    """
    logs.setup(log_level, log_format)


@main.command()
@config_argument
def run(config_path: str) -> None:
    """Run the daemon: poll sources, analyse, detect and alert until SIGTERM."""
    from wommon.daemon import Daemon
    from wommon.metrics import Metrics
    from wommon.notify import SystemdNotifier
    from wommon.pipeline import Pipeline

    settings = _settings(config_path)
    target = config_mod.slack_target(settings)
    if target:
        logs.REDACT.add(*target.secrets)
    systemd = SystemdNotifier()
    try:
        pipeline = Pipeline(settings, SystemClock(), metrics=Metrics())
        daemon = Daemon(
            pipeline, reload_config=lambda: config_mod.load(config_path), systemd=systemd
        )
        daemon.serve()
    except WommonError as exc:
        systemd.status(f"failed: {exc}")
        _fail(str(exc))
    # Fetches abandoned at the stop deadline may still sit in a socket read; every
    # transaction is committed or rolled back already, so nothing is lost by not waiting.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


@main.command()
@config_argument
def check(config_path: str) -> None:
    """Validate a config file without running anything."""
    settings = _settings(config_path)
    target = config_mod.slack_target(settings)
    click.echo(
        f"{config_path}: OK — {len(settings.brands)} brand(s), {len(settings.sources)} "
        f"source(s), storage {redact(settings.storage.url)}"
    )
    if target is None:
        click.echo("alerts: console (set SLACK_BOT_TOKEN and [slack] channel for Slack)")
    else:
        click.echo(f"alerts: Slack channel {target.channel}")


@main.command()
@click.option(
    "--hours",
    type=click.FloatRange(1, 72),
    default=12,
    show_default=True,
    help="Simulated hours to play.",
)
def demo(hours: float) -> None:
    """Play a sample story through the real pipeline, offline, in seconds.

    Starts a local feed server with sample English and Spanish posts about a fictional
    company, runs collection, analysis, detection and alerting on a simulated clock in a
    temporary database, and prints the alerts. With SLACK_BOT_TOKEN and
    WOMMON_SLACK_CHANNEL set, the alerts also go to Slack.
    """
    from wommon.demo.run import run_demo

    logging.getLogger().setLevel(logging.WARNING)
    try:
        run_demo(sys.stdout, hours=hours)
    except WommonError as exc:
        _fail(str(exc))


@main.command()
@click.argument("target", metavar="URL_OR_FILE")
@click.option(
    "--kind", type=click.Choice(KINDS), help="Feed kind (default: guessed from the content)."
)
@click.option(
    "--allow-network",
    "allow",
    multiple=True,
    metavar="CIDR",
    help="Allow fetching from this private network (e.g. 127.0.0.1/32); repeatable.",
)
def inspect(target: str, kind: str | None, allow: tuple[str, ...]) -> None:
    """Fetch (or read) one feed and print its entries as JSON lines, storing nothing.

    Each line has uid, url, title, published, language and a text excerpt; warnings go to
    stderr. A feed that cannot be fetched or parsed prints the reason and exits 1.
    """
    import json

    from wommon.analyze.language import detect_language
    from wommon.collect.guard import AddressPolicy
    from wommon.collect.http import FetchLimits, fetch, new_session
    from wommon.collect.parsers import parse, sniff

    try:
        if "://" in target:
            limits = FetchLimits(policy=AddressPolicy.from_strings(allow))
            with new_session(limits) as http:
                result = fetch(http, target, limits)
            content, content_type, url = result.content or b"", result.content_type, result.url
        else:
            content, content_type, url = (
                Path(target).read_bytes(),
                None,
                Path(target).resolve().as_uri(),
            )
        feed = parse(kind or sniff(content), content, url=url, content_type=content_type)
    except (WommonError, OSError, ValueError) as exc:
        _fail(str(exc))
    for warning in feed.warnings:
        click.echo(f"warning: {warning}", err=True)
    for entry in feed.entries:
        record = {
            "uid": entry.uid,
            "url": entry.url,
            "title": entry.title,
            "published": entry.published_at.isoformat() if entry.published_at else None,
            "language": detect_language(f"{entry.title}. {entry.text}"),
            "text": entry.text[:200],
        }
        click.echo(json.dumps(record, ensure_ascii=False))


@main.command("alert-test")
@config_argument
def alert_test(config_path: str) -> None:
    """Send a sample alert to check the Slack setup (or print it, without Slack).

    On failure prints Slack's exact error and how to fix it, and exits 1.
    """
    from wommon.alert.notifier import Alert
    from wommon.alert.routing import channel_for
    from wommon.alert.sample import sample_payload
    from wommon.errors import DeliveryError
    from wommon.pipeline import default_notifier

    settings = _settings(config_path)
    target = config_mod.slack_target(settings)
    if target:
        logs.REDACT.add(*target.secrets)
    now = SystemClock().now()
    payload = sample_payload(settings.brands[0].name if settings.brands else "Example brand", now)
    channel = channel_for(payload, settings.slack, target.channel if target else "console")
    alert = Alert(
        key=f"alert-test-{now.timestamp():.0f}", kind="open", payload=payload, channel=channel
    )
    try:
        receipt = default_notifier(settings, target).send(alert)
    except DeliveryError as exc:
        _fail(exc.reason)
    where = "the console" if target is None else f"Slack channel {channel}"
    click.echo(f"sample alert sent to {where}" + (f" (ts {receipt.ts})" if receipt.ts else ""))


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@config_argument
def db_upgrade(config_path: str) -> None:
    """Create or migrate the schema to the latest version (also done at every start)."""
    settings = _settings(config_path)
    try:
        engine = make_engine(settings.storage.url)
        upgrade(engine)
        click.echo(f"{redact(settings.storage.url)}: schema at revision {current_revision(engine)}")
    except WommonError as exc:
        _fail(str(exc))


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _open_session(settings: config_mod.Settings) -> Session:
    try:
        engine = make_engine(settings.storage.url)
        upgrade(engine)
    except WommonError as exc:
        _fail(str(exc))
    return Session(engine)


@main.command()
@config_argument
def sources(config_path: str) -> None:
    """List every source with its status, failures, last error and mentions collected."""
    settings = _settings(config_path)
    with _open_session(settings) as session:
        try:
            counts = dict(
                session.exec(
                    select(Mention.source_id, func.count()).group_by(col(Mention.source_id))
                ).all()
            )
            rows = []
            for s in session.exec(select(Source).order_by(col(Source.name))):
                status = (
                    "disabled"
                    if not s.enabled
                    else "error"
                    if s.consecutive_failures
                    else "warning"
                    if s.last_warning
                    else ("ok" if s.last_success_at else "new")
                )
                rows.append(
                    (
                        s.name,
                        s.kind,
                        status,
                        _when(s.last_success_at),
                        s.consecutive_failures,
                        _when(s.next_due_at),
                        counts.get(s.id or 0, 0),
                        (s.last_error or s.disabled_reason or s.last_warning or "")[:80],
                    )
                )
        except SQLAlchemyError as exc:
            _fail(f"{redact(settings.storage.url)}: {exc.__class__.__name__}: {exc}")
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
    click.echo(_table(headers, rows) if rows else "no sources yet: run `wommon run CONFIG`")


@main.command()
@config_argument
def status(config_path: str) -> None:
    """Health at a glance: database, sources, mentions, incidents and Slack delivery.

    Exits 1 when something needs attention (database unreachable, alerts failing), so it
    can serve as a check in scripts.
    """
    from wommon.status import snapshot

    settings = _settings(config_path)
    try:
        engine = make_engine(settings.storage.url)
    except WommonError as exc:
        _fail(str(exc))
    snap = snapshot(engine, SystemClock().now())
    click.echo(f"database:  {'ok' if snap.database_ok else snap.database_error}")
    if not snap.database_ok:
        sys.exit(1)
    click.echo(f"sources:   {_counts(snap.sources) or 'none'}")
    verdicts: dict[str, int] = {}
    languages: dict[str, int] = {}
    for (language, verdict), n in snap.mentions.items():
        verdicts[verdict] = verdicts.get(verdict, 0) + n
        languages[language] = languages.get(language, 0) + n
    click.echo(f"mentions:  {_counts(verdicts) or 'none'} (languages: {_counts(languages) or '-'})")
    click.echo(f"incidents: {_counts(snap.incidents) or 'none'}")
    click.echo(f"outbox:    {_counts(snap.outbox) or 'empty'}")
    target = config_mod.slack_target(settings)
    click.echo(f"alerts to: {'Slack ' + target.channel if target else 'console'}")
    if snap.recent_failures:
        click.echo("slack:     FAILING — alerts that could not be delivered:")
        for failure in snap.recent_failures:
            click.echo(f"  - {logs.REDACT(failure)}")
        sys.exit(1)
    click.echo("slack:     ok")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


@main.command()
@config_argument
@click.option("--all", "show_all", is_flag=True, help="Include resolved and dismissed ones.")
def incidents(config_path: str, show_all: bool) -> None:
    """List incidents, newest first."""
    settings = _settings(config_path)
    with _open_session(settings) as session:
        query = select(Incident).order_by(col(Incident.last_seen).desc())
        if not show_all:
            query = query.where(col(Incident.state).in_(("watching", "alerting", "cooling")))
        rows = [
            (
                i.id,
                i.brand,
                i.state,
                i.severity,
                i.mentions,
                i.sources,
                _when(i.first_seen),
                i.label[:60],
            )
            for i in session.exec(query)
        ]
    headers = ("id", "brand", "state", "severity", "mentions", "sources", "first seen", "story")
    click.echo(_table(headers, rows) if rows else "no incidents")
