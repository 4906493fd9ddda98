"""`wommon backfill`: history in, a report of what would have fired out."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from wommon.cli import config_argument, fail, load_settings, main, table
from wommon.cli import when as when_
from wommon.clock import SystemClock
from wommon.errors import WommonError
from wommon.wording import plural


def _day(value: str | None) -> datetime | None:
    if value is None:
        return None
    from wommon.collect.history import parse_date

    moment = parse_date(value)
    if moment is None:
        raise click.BadParameter(f"{value!r} is not a date (use 2026-03-01 or 2026-03-01T12:00)")
    return moment


@main.command()
@config_argument
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Page back through this configured source's history (RFC 5005, WordPress, App "
    "Store pages); repeatable; 'all' for every source.",
)
@click.option(
    "--from-file",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A history export to load: JSON Lines (.jsonl), CSV or TSV with url, author, "
    "published, title, text (see --map); or an OPML list of feeds to page through. "
    "Repeatable.",
)
@click.option(
    "--map",
    "mapping",
    metavar="FIELD=COLUMN,...",
    help="Columns of the file that hold wommon's fields, e.g. text=body,published=date.",
)
@click.option(
    "--dayfirst", is_flag=True, help="Read numeric dates as day/month/year (03/11 is 3 November)."
)
@click.option("--since", help="Only history published on or after this date (UTC).")
@click.option("--until", help="Only history published up to this date (UTC).")
@click.option(
    "--rescore", is_flag=True, help="Score stored mentions again and rebuild history's incidents."
)
@click.option(
    "--alert", is_flag=True, help="Send the alerts history raises (default: only report them)."
)
@click.option("--dry-run", is_flag=True, help="Read and count, store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
def backfill(
    config_path: str,
    sources: tuple[str, ...],
    files: tuple[Path, ...],
    since: str | None,
    until: str | None,
    rescore: bool,
    alert: bool,
    dry_run: bool,
    as_json: bool,
    mapping: str | None,
    dayfirst: bool,
) -> None:
    """Load history, re-score it, and report the incidents it holds and what would have alerted.

    History is stored as such: it never alerts by itself, in this run or later, unless
    --alert is given. Running it twice adds nothing; an interrupted run can be run again.
    """
    import json

    from wommon.cli.progress import BackfillProgress
    from wommon.collect.history import UnknownFormat, parse_mapping
    from wommon.runs.backfill import backfill as run_backfill

    settings = load_settings(config_path)
    try:
        columns = parse_mapping(mapping)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    from wommon.store.db import make_engine, upgrade

    progress = BackfillProgress(sys.stderr.isatty() and not as_json)
    try:
        engine = make_engine(settings.storage.url)
        upgrade(engine)
        report = run_backfill(
            engine,
            settings,
            SystemClock(),
            files=files,
            sources=sources,
            since=_day(since),
            until=_day(until),
            rescore=rescore,
            alert=alert,
            dry_run=dry_run,
            progress=progress,
            dayfirst=dayfirst,
            mapping=columns,
        )
        if alert and report.would_alert:
            from wommon.service.app import Pipeline

            pipeline = Pipeline(settings, SystemClock(), engine=engine)
            try:
                pipeline.deliver()
            finally:
                pipeline.close()
    except UnknownFormat as exc:
        fail(str(exc), code=2)
    except WommonError as exc:
        fail(str(exc))
    finally:
        progress.close()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False))
        return
    click.echo(
        f"{plural(report.fetched, 'entry', 'entries')} read, "
        f"{plural(report.new, 'new mention')}"
        + (f", {report.rescored} re-scored" if rescore else "")
        + (" (dry run: nothing stored)" if dry_run else "")
    )
    click.echo(
        f"  new {report.new} · already stored {report.already_stored} · "
        f"near-duplicates {report.near_duplicates} · skipped {report.skipped}"
        + (" (reasons above)" if report.skipped else "")
    )
    if report.incidents:
        rows = [
            (
                i.id,
                i.brand,
                when_(datetime.fromisoformat(i.first_seen)),
                i.mentions,
                i.sources,
                i.story[:60],
            )
            for i in report.incidents
        ]
        click.echo(table(("id", "brand", "first seen", "mentions", "sources", "story"), rows))
    verb = "alerted" if alert else "would have alerted"
    for a in report.would_alert:
        at = when_(datetime.fromisoformat(a.at))
        click.echo(f"{verb} at {at} UTC: incident {a.incident}: {a.story[:60]}")
    if not report.would_alert and not dry_run:
        click.echo("nothing in this history would have alerted")
    for brand, base in report.baselines.items():
        click.echo(
            f"baseline for {brand}: {base['negative_per_day']} negative mentions a day, "
            f"learnt from {base['days']} days ({base['from'][:10]} to {base['to'][:10]})"
        )
    if report.suggested:
        click.echo("\nTo watch the OPML list's feeds from now on, add to the config:\n")
        click.echo("\n\n".join(report.suggested))
