"""A cascades file (`story,title,share_unix_s`: every share time of one story) read into
stories, and each share worded as a complaint about the replay's brand, grouped by the
simulated minute (a detection tick) that first sees it."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wommon.config import BrandSettings
from wommon.errors import ConfigError

BRAND = BrandSettings(name="Acme Telecom", aliases=("Acme", "@acmetelecom"))
# Complaints in the words customers use, English and Spanish; "{t}" is the story's title.
TEMPLATES = (
    "Acme Telecom and {t}: charged me twice and still no refund",
    "{t} - this is why I am done with Acme Telecom, nobody answers",
    "Still waiting for Acme Telecom to explain {t}",
    "Acme Telecom hung up on me when I asked about {t}",
    "Worst service ever from Acme Telecom: {t}",
    "Acme Telecom me colgó el teléfono otra vez. {t}",
    "Nadie de Acme Telecom responde sobre esto: {t}",
)
DETAILS = (
    "Third time I call.",
    "Ticket {n} has been open for a week.",
    "Case {n}, no answer.",
    "My order {n} never arrived either.",
    "Reclamación {n} sin respuesta.",
    "",
)
# Detection runs every minute in the daemon; the replay ticks at the same pace.
TICK = timedelta(seconds=60)


@dataclass(frozen=True)
class Cascade:
    story: str
    title: str
    shares: tuple[int, ...]


def read_cascades(path: Path) -> list[Cascade]:
    """Stories of a cascades CSV; a bad row is an error naming its line."""
    csv.field_size_limit(sys.maxsize)
    cascades = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"story", "title", "share_unix_s"} - set(reader.fieldnames or ())
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                try:
                    shares = tuple(sorted(int(x) for x in row["share_unix_s"].split()))
                except ValueError:
                    raise ConfigError(
                        f"{path}:{reader.line_num}: share_unix_s must be Unix seconds "
                        "separated by spaces"
                    ) from None
                if shares:
                    cascades.append(Cascade(row["story"], row["title"] or row["story"], shares))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read cascades: {exc}") from None
    if not cascades:
        raise ConfigError(f"{path}: no stories")
    return cascades


def mention_text(cascade: Cascade, index: int, number: int) -> tuple[str, str]:
    """(title, text) of the `index`-th share of a story; `number` makes each one distinct
    (the collector keeps one copy of identical posts, and copies are one voice)."""
    template = TEMPLATES[(index + len(cascade.story)) % len(TEMPLATES)]
    detail = DETAILS[(index * 7 + number) % len(DETAILS)].format(n=100000 + number)
    signature = f"Posted by user{number} on site{number}, share {index} of this story."
    return cascade.title, f"{template.format(t=cascade.title)} {detail} {signature}"


@dataclass(frozen=True)
class Share:
    at: datetime
    story: str
    index: int


def shares(cascades: list[Cascade]) -> list[Share]:
    shares = [
        Share(datetime.fromtimestamp(t, UTC), c.story, i)
        for c in cascades
        for i, t in enumerate(c.shares)
    ]
    shares.sort(key=lambda s: (s.at, s.story, s.index))
    return shares


def ticks(shares: list[Share]) -> Iterator[tuple[datetime, list[Share]]]:
    """Shares grouped by the detection tick that first sees them."""
    batch: list[Share] = []
    tick: datetime | None = None
    for share in shares:
        due = _tick_of(share.at)
        if tick is not None and due != tick:
            yield tick, batch
            batch = []
        tick = due
        batch.append(share)
    if tick is not None:
        yield tick, batch


def _tick_of(moment: datetime) -> datetime:
    step = TICK.total_seconds()
    return datetime.fromtimestamp(-(-moment.timestamp() // step) * step, UTC)
