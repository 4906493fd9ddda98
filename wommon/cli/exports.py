"""Taking the data elsewhere: the period report (HTML or JSON) and an incident's mentions."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from wommon.cli import config_argument, fail, load_settings, main
from wommon.clock import SystemClock
from wommon.clock import since as parse_since
from wommon.errors import WommonError
from wommon.wording import plural


def _moment(value: str, option: str) -> datetime:
    try:
        return parse_since(value, SystemClock().now())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


@main.command()
@config_argument
@click.option(
    "--since", default="7d", show_default=True, metavar="DATE", help="Start: 7d, 24h or a date."
)
@click.option("--until", metavar="DATE", help="End (default now): an age or a date.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write here (report.html); required for HTML.",
)
@click.option("--json", "as_json", is_flag=True, help="The same figures as one JSON object.")
def report(config_path: str, since: str, until: str | None, out: str | None, as_json: bool) -> None:
    """One self-contained HTML file (charts inlined) with the period's incidents, each
    brand's volume against its baseline, and the top aspects and languages."""
    from wommon.service.readout import reading
    from wommon.web.report import build, to_html, to_json

    settings = load_settings(config_path)
    start = _moment(since, "--since")
    end = _moment(until, "--until") if until else SystemClock().now()
    if end <= start:
        fail(f"--until ({end:%Y-%m-%d %H:%M}) must come after --since ({start:%Y-%m-%d %H:%M})")
    if out is None and not as_json:
        fail("say where to write the report: --out report.html (or --json for the figures)")
    try:
        with reading(settings) as session:
            figures = build(session, start, end)
    except WommonError as exc:
        fail(str(exc))
    text = (
        json.dumps(to_json(figures), ensure_ascii=False, indent=2) if as_json else to_html(figures)
    )
    if out is None:
        click.echo(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    click.echo(
        f"wrote {out}: {plural(len(figures.incidents), 'incident')}, "
        f"{plural(len(figures.brands), 'brand')}, {len(text.encode()) / 1024:.0f} KiB",
        err=True,
    )


MENTION_FIELDS = ("published", "site", "author", "language", "verdict", "aspect", "title", "url")


@main.command()
@config_argument
@click.option("--incident", "incident_id", type=int, required=True, help="The incident's id.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row (the default).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def mentions(config_path: str, incident_id: int, as_csv: bool, as_json: bool) -> None:
    """Every mention of one incident, oldest first: time, site, author, language,
    verdict, aspect, title and link."""
    from wommon.service.readout import read_incident

    settings = load_settings(config_path)
    try:
        detail = read_incident(settings, incident_id)
    except WommonError as exc:
        fail(str(exc))
    if detail is None:
        fail(f"no incident {incident_id} (see `wommon incidents CONFIG --all`)")
    records = [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(m).items()}
        for m in detail.mentions
    ]
    if as_json:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=MENTION_FIELDS)
    writer.writeheader()
    writer.writerows(records)
