"""The `wommon` command: a thin layer over the library; library errors become clear messages."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from wommon import __version__
from wommon import config as config_mod
from wommon.clock import SystemClock
from wommon.errors import WommonError
from wommon.store.db import current_revision, make_engine, redact, upgrade
from wommon.store.models import Incident, Mention, Source

F = TypeVar("F", bound=Callable[..., Any])

config_argument = click.argument(
    "config_path", metavar="CONFIG", type=click.Path(dir_okay=False), envvar="WOMMON_CONFIG"
)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _settings(path: str) -> config_mod.Settings:
    try:
        return config_mod.load(path)
    except WommonError as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from None


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wommon")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Lowest level of log line to print.",
)
def main(log_level: str) -> None:
    """wommon: hear a bad customer story while it is still small.

    Collects blog, news, forum and review feeds, finds negative customer experiences,
    groups them into incidents and alerts Slack (or the console) when one spreads.
    """
    _setup_logging(log_level)


@main.command()
@config_argument
def run(config_path: str) -> None:
    """Run the daemon: poll sources, analyse, detect and alert until SIGTERM."""
    from wommon.daemon import Daemon
    from wommon.pipeline import Pipeline

    settings = _settings(config_path)
    try:
        Daemon(Pipeline(settings, SystemClock())).serve()
    except WommonError as exc:
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
                        (s.last_error or "")[:80],
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
