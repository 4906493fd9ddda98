"""Alerts printed to the terminal: the default when no Slack is configured."""

from __future__ import annotations

import sys
from typing import TextIO

from wommon.alert import render
from wommon.alert.notifier import Alert, Receipt
from wommon.store.enums import Kind
from wommon.store.payload import Digest
from wommon.wording import plural


class ConsoleNotifier:
    interactive = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, alert: Alert) -> Receipt:
        out = self._stream or sys.stdout
        p = alert.payload
        if isinstance(p, Digest):
            lines = [f"[wommon] {p.title}"]
            lines += [
                f"  - {i.brand}: {i.label} ({plural(i.mentions, 'mention')})" for i in p.incidents
            ]
        else:
            lines = [f"[wommon] {render.headline(p, alert.kind)}", f"  {render.facts(p)}"]
            if alert.kind != Kind.RESOLVE:
                lines.append(f"  forecast: {render.forecast(p)}")
            for ex in render.excerpts(p):
                where = ex.url or ex.domain or ""
                quote = (ex.title or ex.text or "").replace("\n", " ")
                lines.append(f"  > {quote[:160]}  ({where})")
        print("\n".join(lines), file=out, flush=True)
        return Receipt(channel="console", ts=None)

    def find(self, alert: Alert) -> Receipt | None:
        return None
