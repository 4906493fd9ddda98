"""One exception tree: every error wommon raises on purpose is a WommonError.

Library errors (requests, feedparser, SQLAlchemy, slack-sdk) are wrapped where they cross
into wommon, so callers catch one family and the message always names what and where.
"""

from __future__ import annotations

from wommon.redaction import redact_text, redact_url


class WommonError(Exception):
    """Root of every error raised by wommon."""


class ConfigError(WommonError, ValueError):
    """The configuration is invalid; the message names the file, line/key and the fix."""


class StorageError(WommonError):
    """The database could not be reached, migrated or written. `reason` is the cause
    without the database's name, for a message that adds what was being done."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class FetchError(WommonError):
    """A feed could not be fetched; the source is marked, the run goes on."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{redact_url(url)}: {redact_text(reason)}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str]]:
        return (type(self), (self.url, self.reason))


class ParseError(WommonError, ValueError):
    """A fetched document held no recoverable feed."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{redact_url(url)}: {redact_text(reason)}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:
        # Parsing may run in another process; the error must cross back intact.
        return (type(self), (self.url, self.reason))


class DeliveryError(WommonError):
    """An alert could not be delivered.

    `permanent` errors (bad token, unknown channel) are not retried: retrying them only
    hides the problem and, for Slack, risks the app being disabled.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        maybe_delivered: bool = True,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        # False only when the server said for sure nothing was posted (a 429, a definite
        # error); otherwise the retry looks for the message before posting again.
        self.maybe_delivered = maybe_delivered


class ModelError(WommonError):
    """A trained analysis model cannot be read or used; the message names the file."""
