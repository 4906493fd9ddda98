"""Checking inputs and outputs: a feed (`inspect`) and the Slack setup (`alert-test`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from wommon import config as config_mod
from wommon.cli import config_argument, fail, load_settings, main, slack_target
from wommon.clock import SystemClock
from wommon.errors import WommonError

if TYPE_CHECKING:
    from wommon.analyze.analyzer import Analyzer


@main.command()
@click.argument("target", metavar="URL_OR_FILE")
@click.option(
    "--kind",
    type=click.Choice(config_mod.SOURCE_KINDS),
    help="Feed kind (default: guessed from the content).",
)
@click.option(
    "--allow-network",
    "allow",
    multiple=True,
    metavar="CIDR",
    help="Allow fetching from this private network (e.g. 127.0.0.1/32); repeatable.",
)
@click.option(
    "--analyze",
    "config_path",
    metavar="CONFIG",
    type=click.Path(exists=True, dir_okay=False),
    help="Also show each entry's brand, verdict and aspect under this config's brands.",
)
def inspect(target: str, kind: str | None, allow: tuple[str, ...], config_path: str | None) -> None:
    """Fetch (or read) one feed and print its entries as JSON lines, storing nothing.

    Each line has uid, url, title, published, language and a text excerpt (with
    --analyze, the brand, verdict and aspect too); warnings go to stderr. An HTML page
    lists the feeds it links to instead. A feed that cannot be fetched or parsed prints
    the reason and exits 1.
    """
    import json

    from wommon.analyze.language import detect_language
    from wommon.collect.discover import feed_links, looks_like_html
    from wommon.collect.guard import AddressPolicy
    from wommon.collect.http import FetchLimits, fetch, new_session
    from wommon.collect.parsers import parse, sniff
    from wommon.errors import FetchError

    analyzer = _analyzer(load_settings(config_path)) if config_path else None
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
        if kind is None and looks_like_html(content, content_type):
            _list_feeds(url, feed_links(content, url))
            return
        feed = parse(kind or sniff(content), content, url=url, content_type=content_type)
    except FetchError as exc:
        hint = ""
        if "refused:" in exc.reason and "allow_networks" in exc.reason:
            hint = " (for inspect: --allow-network CIDR, e.g. --allow-network 127.0.0.1/32)"
        fail(f"{exc}{hint}")
    except (WommonError, OSError, ValueError) as exc:
        fail(str(exc))
    for warning in feed.warnings:
        click.echo(f"warning: {warning}", err=True)
    for entry in feed.entries:
        record: dict[str, object] = {
            "uid": entry.uid,
            "url": entry.url,
            "title": entry.title,
            "published": entry.published_at.isoformat() if entry.published_at else None,
            "language": detect_language(f"{entry.title}. {entry.text}"),
            "text": entry.text[:200],
        }
        if analyzer is not None:
            verdict = analyzer.analyze_text(entry.title, entry.text)
            record.update(
                brand=verdict.brand,
                negative=verdict.negative,
                complaint=verdict.complaint,
                sentiment=verdict.sentiment,
                aspect=verdict.aspect,
            )
        click.echo(json.dumps(record, ensure_ascii=False))


def _analyzer(settings: config_mod.Settings) -> Analyzer:
    from wommon.analyze.analyzer import Analyzer

    return Analyzer.for_brands(settings.brands, settings.detect, settings.analyze)


def _list_feeds(page: str, feeds: list[tuple[str, str, str]]) -> None:
    if not feeds:
        fail(f'{page}: an HTML page that links to no feed (no <link rel="alternate">)')
    click.echo(f"{page} is an HTML page; the feeds it links to:", err=True)
    for kind, url, title in feeds:
        click.echo(f"{url}\t{kind}\t{title}")
    click.echo(
        f'add one as [[sources]] url = "{feeds[0][1]}" kind = "{feeds[0][0]}", '
        f"or inspect it: wommon inspect {feeds[0][1]}",
        err=True,
    )


@main.command("alert-test")
@config_argument
def alert_test(config_path: str) -> None:
    """Send a sample alert to check the Slack setup (or print it, without Slack).

    On failure prints Slack's exact error and how to fix it, and exits 1.
    """
    from wommon.alert.factory import default_notifier
    from wommon.alert.notifier import Alert
    from wommon.alert.routing import channel_for
    from wommon.alert.sample import sample_payload
    from wommon.errors import DeliveryError

    settings = load_settings(config_path)
    target = slack_target(settings)
    now = SystemClock().now()
    payload = sample_payload(settings.brands[0].name if settings.brands else "Example brand", now)
    channel = channel_for(payload, settings.slack, target.channel if target else "console")
    alert = Alert(
        key=f"alert-test-{now.timestamp():.0f}", kind="open", payload=payload, channel=channel
    )
    try:
        receipt = default_notifier(settings, target).send(alert)
    except DeliveryError as exc:
        fail(exc.reason)
    where = "the console" if target is None else f"Slack channel {channel}"
    click.echo(f"sample alert sent to {where}" + (f" (ts {receipt.ts})" if receipt.ts else ""))
