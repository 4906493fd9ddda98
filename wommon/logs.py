"""Logging: one line per event, journald priorities, JSON on request, never a secret.

Under systemd (JOURNAL_STREAM set) each text line starts with its syslog priority ("<4>"),
which journald turns into the entry's priority. Every formatted line, tracebacks included,
passes through the redactor, so a token in an exception message from a library is masked
before it reaches any output.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

from wommon.redaction import redact_text

_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *secrets: str) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 8)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return redact_text(text)


REDACT = Redactor()

# LogRecord's own attributes: a field of the same name is stored with a trailing "_".
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class EventLog:
    """Log events with fields. A text line reads `event key=value ...`; in JSON mode the
    line is `{"event": "fetch_failed", "source": ..., "error": ..., "level": ...}`, every
    field a key of its own, so a log shipper filters on fields, not on words."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)

    def debug(self, event: str, **fields: object) -> None:
        self._emit(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: object) -> None:
        self._emit(logging.INFO, event, fields)

    def warning(self, event: str, **fields: object) -> None:
        self._emit(logging.WARNING, event, fields)

    def error(self, event: str, **fields: object) -> None:
        self._emit(logging.ERROR, event, fields)

    def exception(self, event: str, **fields: object) -> None:
        self._emit(logging.ERROR, event, fields, exc_info=True)

    def _emit(
        self, level: int, event: str, fields: dict[str, object], exc_info: bool = False
    ) -> None:
        if not self.logger.isEnabledFor(level):
            return
        text = " ".join([event, *(f"{k}={v}" for k, v in fields.items())])
        extra = {
            "event": event,
            **{(f"{k}_" if k in _RESERVED else k): v for k, v in fields.items()},
        }
        self.logger.log(level, "%s", text, extra=extra, exc_info=exc_info, stacklevel=3)


def events(name: str) -> EventLog:
    return EventLog(name)


class _Redacting(logging.Formatter):
    def __init__(self, inner: logging.Formatter, journald: bool) -> None:
        super().__init__()
        self._inner = inner
        self._journald = journald

    def format(self, record: logging.LogRecord) -> str:
        line = REDACT(self._inner.format(record))
        if self._journald:
            priority = _PRIORITY.get(record.levelno, 6)
            line = "\n".join(f"<{priority}>{part}" for part in line.splitlines())
        return line


def setup(
    level: str = "info", fmt: str = "text", quiet: Iterable[str] = ("apscheduler", "alembic")
) -> None:
    journald = fmt == "text" and bool(os.environ.get("JOURNAL_STREAM"))
    if fmt == "json":
        inner: logging.Formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    elif journald:
        inner = logging.Formatter("%(name)s: %(message)s")
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting(inner, journald))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper()))
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    # slack-sdk logs its own one-line version of every failure we report with the fix.
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
