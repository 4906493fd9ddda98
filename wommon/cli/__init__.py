"""The `wommon` command: a thin layer over the library; library errors become clear messages.

The commands live in small modules by topic (service, tools, history, reports, evaluate) and
register themselves on `main`; this module holds what they share.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import NoReturn

import click

from wommon import __version__, logs
from wommon import config as config_mod
from wommon.errors import WommonError

config_argument = click.argument(
    "config_path", metavar="CONFIG", type=click.Path(dir_okay=False), envvar="WOMMON_CONFIG"
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print the error (secrets masked) and exit: 1 for a failure, 2 for input that
    cannot be used at all."""
    click.echo(f"error: {logs.REDACT(message)}", err=True)
    sys.exit(code)


def load_settings(path: str) -> config_mod.Settings:
    try:
        return config_mod.load(path)
    except WommonError as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from None


def slack_target(settings: config_mod.Settings) -> config_mod.SlackTarget | None:
    """Where alerts go, or exit with the setting that is missing."""
    try:
        return config_mod.slack_target(settings)
    except WommonError as exc:
        fail(str(exc))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells
    )


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


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


from wommon.cli import (  # noqa: E402, F401
    alerts,
    backfill,
    evaluate,
    exports,
    reports,
    service,
    simulate,
    tools,
    training,
)
