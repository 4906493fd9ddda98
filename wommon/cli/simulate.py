"""`wommon replay`: real spreading through the real detector, against two common rules."""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

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
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Replay only the first N stories of the file (a quick look).",
)
@click.option(
    "--keep",
    "keep",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="DB",
    help="Replay into this SQLite file and keep it, to look at with `wommon incidents`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay_command(
    path: Path,
    viral: int,
    database: str | None,
    limit: int | None,
    keep: Path | None,
    as_json: bool,
) -> None:
    """Replay real spreading (story,title,share_unix_s) through analysis and detection on a
    simulated clock, and score the detector, Huginn's peak rule and a spike rule on it:
    recall (viral stories flagged before 20% of their final size), precision, share of
    the final size and hours at the alert, and the forecast's error after 24 hours.

    Shares are stored and analysed in chunks just ahead of the simulated clock, as `wommon
    backfill` loads history; detection walks the clock a minute at a time and takes what
    was published by then (every share of a minute is seen by the same detection run, as
    a daemon detecting every minute would). Progress shows on
    a terminal, and as a line a minute otherwise; the temporary database is removed on
    every exit (Ctrl-C and SIGTERM included) unless --keep names one.
    """
    from wommon.runs.cascades import read_cascades
    from wommon.runs.replay import replay
    from wommon.runs.scoring import report_lines, to_json

    if database and keep:
        fail("--database and --keep both say where to replay: give one")
    # The replay's report is its output: one line per incident it alerts on would bury it.
    logging.getLogger("wommon.detect").setLevel(logging.WARNING)
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        cascades = read_cascades(path)[:limit] if limit else read_cascades(path)
        total = sum(len(c.shares) for c in cascades)
        with tempfile.TemporaryDirectory(prefix="wommon-replay-") as tmp, _Progress(total) as shown:
            url = database or f"sqlite:///{keep or Path(tmp) / 'replay.db'}"
            result = replay(cascades, url, viral=viral, progress=shown.advance)
    except WommonError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("replay interrupted: nothing kept" + (f" but {keep}" if keep else ""))
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        click.echo(to_json(result))
        return
    for line in report_lines(result, viral):
        click.echo(line)
    if keep:
        click.echo(f"database kept in {keep}: point [storage] url at sqlite:///{keep}")


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


class _Progress:
    """A bar of the shares detected on a terminal (with how many are analysed beside it);
    a line a minute on stderr otherwise (a log, a CI run)."""

    def __init__(self, total: int) -> None:
        self._total = total
        self._done: Counter[str] = Counter()
        self._terminal = sys.stderr.isatty()
        self._bar: Any = None
        self._said = time.monotonic()

    def __enter__(self) -> _Progress:
        if self._terminal:
            from tqdm import tqdm

            self._bar = tqdm(total=self._total, unit="share", desc="detected", file=sys.stderr)
        return self

    def advance(self, phase: str, shares: int) -> None:
        """`shares` more went through `phase` ("analysed", "detected")."""
        self._done[phase] += shares
        if self._bar is not None:
            if phase == "detected":
                self._bar.update(shares)
            self._bar.set_postfix(analysed=self._done["analysed"], refresh=False)
        elif time.monotonic() - self._said >= 60:
            self._said = time.monotonic()
            share = self._done["detected"] / self._total if self._total else 1.0
            click.echo(
                f"replay: {self._done['detected']:,} of {self._total:,} shares detected "
                f"({share:.0%}), {self._done['analysed']:,} analysed",
                err=True,
            )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
