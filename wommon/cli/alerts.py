"""Alerts that failed for good: put them back in the queue once the cause is fixed."""

from __future__ import annotations

import click

from wommon.cli import config_argument, fail, load_settings, main
from wommon.clock import SystemClock
from wommon.errors import WommonError


@main.group()
def alerts() -> None:
    """Alert delivery commands."""


@alerts.command("retry")
@config_argument
@click.option("--id", "row_id", type=int, help="Retry this outbox row (its id, from `status`).")
@click.option("--failed", "every", is_flag=True, help="Retry every alert that failed for good.")
def retry(config_path: str, row_id: int | None, every: bool) -> None:
    """Send failed alerts again (after fixing the token, channel or webhook).

    Failed alerts are also retried by themselves when the daemon starts or reloads with
    changed Slack settings; this is for a cause fixed on Slack's side (the app invited to
    the channel, a scope added)."""
    from wommon.alert.outbox import retry_failed
    from wommon.store.db import make_engine, upgrade

    if (row_id is None) == (not every):
        fail("say which alerts: --id N for one, or --failed for every failed one")
    settings = load_settings(config_path)
    try:
        engine = make_engine(settings.storage.url)
        upgrade(engine)
        retried = retry_failed(engine, SystemClock().now(), row_id=row_id)
    except WommonError as exc:
        fail(str(exc))
    if row_id is not None and not retried:
        fail(f"no failed alert with id {row_id}")
    noun = "alert" if len(retried) == 1 else "alerts"
    click.echo(f"{len(retried)} {noun} queued again; the daemon sends them within a minute")
