"""Progress of `wommon backfill`, for a person at a terminal and for a log alike: tqdm bars
on a terminal, one plain line per step otherwise (journald, pipes, CI)."""

from __future__ import annotations

import sys
from typing import Any

import click
from tqdm import tqdm

from wommon.wording import plural


class BackfillProgress:
    """Bars per source and overall on a terminal (tqdm); plain lines for logs and pipes."""

    def __init__(self, terminal: bool) -> None:
        self._terminal = terminal
        self._bars: dict[str, tqdm[Any]] = {}
        self._total = tqdm(desc="all sources", unit="page", disable=not terminal, file=sys.stderr)
        self._pages: dict[str, int] = {}

    def note(self, line: str) -> None:
        if self._terminal:
            tqdm.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    def page(self, source: str, entries: int, new: int) -> None:
        self._pages[source] = self._pages.get(source, 0) + 1
        self._total.update(1)
        if self._terminal:
            if source not in self._bars:
                self._bars[source] = tqdm(desc=source, unit="page", leave=False, file=sys.stderr)
            self._bars[source].update(1)
            self._bars[source].set_postfix(new=new)
        else:
            click.echo(
                f"{source}: page {self._pages[source]}: "
                f"{plural(entries, 'entry', 'entries')}, {new} new",
                err=True,
            )

    def source_done(self, source: str) -> None:
        bar = self._bars.pop(source, None)
        if bar is not None:
            bar.close()
        self.note(f"{source}: {plural(self._pages.get(source, 0), 'page')} read")

    def close(self) -> None:
        self._total.close()
