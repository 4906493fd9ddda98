"""`wommon replay`: real spreading through the real detector, against two common rules."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from wommon.cli import fail, main
from wommon.errors import WommonError


@main.command("replay")
@click.argument(
    "path", metavar="CASCADES.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--viral",
    default=200,
    show_default=True,
    type=click.IntRange(min=2),
    help="Final size that makes a story viral; also the detector's viral threshold.",
)
@click.option(
    "--database",
    metavar="URL",
    help="Replay into this (empty) database instead of a temporary SQLite file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay_command(path: Path, viral: int, database: str | None, as_json: bool) -> None:
    """Replay real spreading (story,title,share_unix_s) through analysis and detection on a
    simulated clock, and score the detector, Huginn's peak rule and a spike rule on it:
    recall (viral stories flagged before 20% of their final size), precision, share of
    the final size and hours at the alert, and the forecast's error after 24 hours.
    """
    from wommon.replay import read_cascades, replay, report_lines, to_json

    try:
        cascades = read_cascades(path)
        with tempfile.TemporaryDirectory(prefix="wommon-replay-") as tmp:
            url = database or f"sqlite:///{Path(tmp) / 'replay.db'}"
            result = replay(cascades, url, viral=viral)
    except WommonError as exc:
        fail(str(exc))
        return
    if as_json:
        click.echo(to_json(result))
        return
    for line in report_lines(result, viral):
        click.echo(line)
