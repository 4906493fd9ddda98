"""Slack delivery through an incoming webhook: the setup that needs no app, and can do less.

A webhook can only post: there is no message to edit and no history to read back. Each
update is a short follow-up message, and after a crash between Slack's answer and the
commit an alert can be posted twice (at most once more); use a bot token to avoid both.
The webhook URL is a secret and never appears in an error.
"""

from __future__ import annotations

from slack_sdk.webhook import WebhookClient

from wommon.alert.blocks import (
    digest_messages,
    fallback,
    incident_blocks,
    incident_page,
    thread_text,
)
from wommon.alert.notifier import Alert, Receipt
from wommon.alert.render import headline
from wommon.alert.responses import retry_after, safe
from wommon.config import SLACK_WEBHOOK_ENV
from wommon.errors import DeliveryError
from wommon.store.enums import Kind
from wommon.store.payload import Digest

# What Slack's webhook answers mean (api.slack.com/messaging/webhooks#handling_errors).
PERMANENT = {
    400: "invalid payload",
    403: "the webhook was revoked or is not allowed to post (invalid_token / action_prohibited)",
    404: "no such webhook or channel (no_service / channel_not_found)",
    410: "the channel is archived or the webhook was removed (channel_is_archived / no_service)",
}


def _network_reason(exc: BaseException) -> str:
    """What went wrong on the network, in words: "Connection refused", "timed out"."""
    inner = getattr(exc, "reason", None) or exc
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return safe(inner) or inner.__class__.__name__


class WebhookNotifier:
    interactive = False

    def __init__(self, url: str, timeout: int = 15, *, public_url: str | None = None) -> None:
        self._client = WebhookClient(url, timeout=timeout, retry_handlers=[])
        self.public_url = public_url

    def send(self, alert: Alert) -> Receipt:
        news = alert.payload
        if isinstance(news, Digest):
            for blocks in digest_messages(news):
                self._post(fallback(news.title), blocks)
        elif alert.kind == Kind.OPEN:
            self._post(
                fallback(headline(news, alert.kind)),
                incident_blocks(
                    news,
                    alert.kind,
                    buttons=False,
                    page=incident_page(self.public_url, news.incident_id),
                ),
            )
        else:
            self._post(thread_text(news, alert.kind), None)
        return Receipt(channel="webhook", ts=None)

    def find(self, alert: Alert) -> Receipt | None:
        raise DeliveryError(
            "slack webhook: an incoming webhook cannot read the channel back", permanent=False
        )

    def _post(self, text: str, blocks: list[dict[str, object]] | None) -> None:
        try:
            response = self._client.send(text=text, blocks=blocks, unfurl_links=False)
        except (OSError, ValueError) as exc:
            raise DeliveryError(
                f"slack webhook: cannot reach Slack ({_network_reason(exc)}): check "
                f"${SLACK_WEBHOOK_ENV} (or the credential 'slack-webhook-url') and that this "
                "machine reaches hooks.slack.com over HTTPS",
                permanent=False,
            ) from None
        status = response.status_code
        if status == 200:
            return
        body = (response.body or "").strip()[:100]
        if status == 429 or status >= 500:
            raise DeliveryError(
                f"slack webhook: HTTP {status} {body}".strip(),
                permanent=False,
                retry_after=retry_after(response.headers),
                maybe_delivered=status >= 500,
            )
        reason = PERMANENT.get(status, "rejected")
        raise DeliveryError(
            f"slack webhook: HTTP {status} {body}: {reason}", permanent=True, maybe_delivered=False
        )
