"""Running wommon: the daemon, config checks, the demo, the schema."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from wommon import config as config_mod
from wommon.cli import config_argument, fail, load_settings, main, slack_target
from wommon.clock import SystemClock
from wommon.errors import WommonError
from wommon.redaction import redact_url
from wommon.wording import plural


@main.command()
@config_argument
def run(config_path: str) -> None:
    """Run the daemon: poll sources, analyse, detect and alert until SIGTERM."""
    from wommon.service.app import Pipeline
    from wommon.service.daemon import Daemon
    from wommon.service.metrics import Metrics
    from wommon.service.systemd import SystemdNotifier

    settings = load_settings(config_path)
    systemd = SystemdNotifier()
    try:
        pipeline = Pipeline(settings, SystemClock(), metrics=Metrics())
        daemon = Daemon(
            pipeline, reload_config=lambda: config_mod.load(config_path), systemd=systemd
        )
        daemon.serve()
    except WommonError as exc:
        systemd.status(f"failed: {exc}")
        fail(str(exc))
    # Fetches abandoned at the stop deadline may still sit in a socket read; every
    # transaction is committed or rolled back already, so nothing is lost by not waiting.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


@main.command()
@click.argument("path", default="wommon.toml", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: str, force: bool) -> None:
    """Write the documented example config to PATH (default wommon.toml), to edit."""
    from importlib import resources

    target = Path(path)
    if target.exists() and not force:
        fail(f"{target} exists: not overwritten (use --force, or another PATH)")
    text = resources.files("wommon").joinpath("wommon.example.toml").read_text("utf-8")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{target}: cannot write: {exc.strerror or exc}")
    click.echo(f"wrote {target}: set your brands and sources, then `wommon check {target}`")


@main.command()
@config_argument
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def check(config_path: str, strict: bool) -> None:
    """Validate a config file without running anything.

    Warns (exit 0, or 1 with --strict) about a config that is valid but would watch
    nothing: no brands, no sources, or sources on private addresses that collection will
    refuse."""
    from wommon.cli.checks import warnings

    settings = load_settings(config_path)
    target = slack_target(settings)
    click.echo(
        f"{config_path}: OK — {plural(len(settings.brands), 'brand')}, "
        f"{plural(len(settings.sources), 'source')}, storage {redact_url(settings.storage.url)}"
    )
    if target is None:
        click.echo("alerts: console (set SLACK_BOT_TOKEN and [slack] channel for Slack)")
    else:
        click.echo(f"alerts: Slack channel {target.channel}")
    click.echo(_web_line(settings))
    click.echo(_model_line(settings))
    found = warnings(settings)
    for warning in found:
        click.echo(f"warning: {warning}", err=True)
    if found and strict:
        sys.exit(1)


def _model_line(settings: config_mod.Settings) -> str:
    """Which complaint model analysis will use, or why `run` would refuse the file."""
    from wommon.analyze import head

    path = settings.analyze.model
    if path is None:
        return "analysis: the shipped complaint model (train your own with `wommon train`)"
    try:
        found = head.load(path)
    except WommonError as exc:
        fail(str(exc))
    return f"analysis: {found.task} model {path} (trained on {found.trained_on or 'unknown rows'})"


def _web_line(settings: config_mod.Settings) -> str:
    """What the web UI will do, or the reason `run` would refuse to start it."""
    listen = settings.web.listen
    if not listen:
        return 'web UI: off (set [web] listen = "127.0.0.1:8080" to turn it on)'
    try:
        token = config_mod.web_token(settings)
    except WommonError as exc:
        fail(str(exc))
    login = "token required" if token else "loopback, no login"
    where = f", linked from Slack as {settings.web.public_url}" if settings.web.public_url else ""
    return f"web UI: http://{listen}/ ({login}){where}"


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
        fail(str(exc))


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@config_argument
def db_upgrade(config_path: str) -> None:
    """Create or migrate the schema to the latest version (also done at every start)."""
    from wommon.store.db import check_integrity, current_revision, make_engine, upgrade

    settings = load_settings(config_path)
    try:
        engine = make_engine(settings.storage.url)
        check_integrity(engine)
        upgrade(engine)
        revision = current_revision(engine)
        click.echo(f"{redact_url(settings.storage.url)}: schema at revision {revision}")
    except WommonError as exc:
        fail(str(exc))
