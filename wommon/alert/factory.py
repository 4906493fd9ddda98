"""Which notifier carries the alerts, chosen once from the settings and the secrets, and
a fingerprint of that choice (a changed setup retries what failed for good under the old)."""

from __future__ import annotations

import hashlib

from wommon import logs
from wommon.alert.console import ConsoleNotifier
from wommon.alert.notifier import Notifier
from wommon.alert.slack import SlackNotifier
from wommon.alert.webhook import WebhookNotifier
from wommon.config import Settings, SlackTarget, slack_target


def default_notifier(settings: Settings, target: SlackTarget | None = None) -> Notifier:
    """Slack with a bot token (or, failing that, a webhook) when configured, else the
    console. Every secret of the target is registered with the log redactor here, where
    the notifier that will carry it is made, whichever command made it."""
    target = target or slack_target(settings)
    if target is None:
        return ConsoleNotifier()
    logs.REDACT.add(*target.secrets)
    if target.token:
        return SlackNotifier.from_token(
            target.token,
            target.api_url,
            interactive=bool(target.app_token),
            public_url=settings.web.public_url,
        )
    assert target.webhook_url is not None
    return WebhookNotifier(target.webhook_url, public_url=settings.web.public_url)


def delivery_digest(settings: Settings, target: SlackTarget | None) -> str:
    """A fingerprint of where and how alerts are delivered (Slack settings, token or webhook,
    channel): an alert that failed for good under one fingerprint is retried under another."""
    parts = [settings.slack.model_dump_json(), target.model_dump_json() if target else "console"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
