"""Slack delivery with a bot token (slack-sdk WebClient): one root message per incident,
edited in place, with updates in its thread.

slack-sdk's default retry handler re-POSTs blindly after connection errors, which can post
a message twice; it is switched off and retries belong to the outbox, which checks first.
Every message carries metadata with its outbox key, so after a crash or a lost response
`find` reads the channel (or thread) back to learn whether the post landed (R26, R27).
Tokens never appear in an error: messages carry Slack's error code only.
"""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from wommon import logs
from wommon.alert.blocks import (
    clip,
    digest_messages,
    fallback,
    incident_blocks,
    incident_page,
    thread_text,
)
from wommon.alert.chart import escalation_png
from wommon.alert.notifier import Alert, Receipt
from wommon.alert.render import headline
from wommon.alert.responses import retry_after, safe
from wommon.errors import DeliveryError
from wommon.store.enums import Kind
from wommon.store.payload import Digest, IncidentNews

log = logs.events(__name__)

# Errors where trying again later can succeed; every other Slack error needs a person.
RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Answers after which the message may or may not have been posted.
UNCERTAIN = frozenset({"internal_error", "fatal_error", "request_timeout"})
FIXES = {
    "invalid_auth": "the bot token is wrong: check SLACK_BOT_TOKEN (it starts with xoxb-)",
    "not_authed": "no token was sent: set SLACK_BOT_TOKEN",
    "token_revoked": "the token was revoked: reinstall the Slack app and update SLACK_BOT_TOKEN",
    "account_inactive": "the app or its user was deactivated: reinstall the Slack app",
    "channel_not_found": "no such channel, or a private one: check [slack] channel, invite the app",
    "not_in_channel": "the app is not in the channel: /invite @your-app in that channel",
    "is_archived": "the channel is archived: unarchive it or pick another [slack] channel",
    "missing_scope": "the app lacks a scope: add chat:write (and channels:history) and reinstall",
    "msg_blocks_too_long": "the message was too long for Slack",
    "invalid_blocks": "Slack rejected the message layout",
}
METADATA_EVENT = "wommon_alert"
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# How far before an alert was queued to look for it in the channel.
FIND_SLACK = timedelta(minutes=5)
FIND_PAGES = 5


def describe(error: str) -> str:
    fix = FIXES.get(error)
    return f"{error} ({fix})" if fix else error


# Answers meaning the app may not upload files: charts are skipped, with one warning.
NO_FILES = frozenset({"missing_scope", "not_allowed_token_type", "no_permission"})


class SlackNotifier:
    def __init__(
        self, client: WebClient, *, interactive: bool = False, public_url: str | None = None
    ) -> None:
        self._client = client
        self.interactive = interactive
        self.public_url = public_url
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()
        # Cleared by the first answer that says the app may not upload (no files:write).
        self._files = True

    @classmethod
    def from_token(
        cls,
        token: str,
        api_url: str | None = None,
        *,
        interactive: bool = False,
        public_url: str | None = None,
        timeout: int = 15,
    ) -> SlackNotifier:
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": []}
        if api_url:
            kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
        return cls(WebClient(**kwargs), interactive=interactive, public_url=public_url)

    def _blocks(self, news: IncidentNews, kind: str) -> list[dict[str, Any]]:
        page = incident_page(self.public_url, news.incident_id)
        return incident_blocks(news, kind, buttons=self.interactive, page=page)

    @property
    def client(self) -> WebClient:
        return self._client

    def send(self, alert: Alert) -> Receipt:
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": alert.key}}
        news = alert.payload
        if isinstance(news, Digest):
            return self._digest(alert, news, metadata)
        if alert.root_ts is None:
            channel = self._resolve(alert.channel)
            response = self._call(
                "chat.postMessage",
                channel=channel,
                text=fallback(headline(news, alert.kind)),
                blocks=self._blocks(news, alert.kind),
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
            ts = str(response["ts"])
            self._remember(alert.channel, str(response["channel"]))
            return Receipt(channel=str(response["channel"]), ts=ts, root_ts=ts)
        channel = alert.root_channel or alert.channel
        self._call(
            "chat.update",
            channel=channel,
            ts=alert.root_ts,
            text=fallback(headline(news, alert.kind)),
            blocks=self._blocks(news, alert.kind),
        )
        reply = self._call(
            "chat.postMessage",
            channel=channel,
            thread_ts=alert.root_ts,
            text=thread_text(news, alert.kind),
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        if alert.kind == Kind.ESCALATE:
            self._post_chart(str(reply["channel"]), alert.root_ts, news)
        return Receipt(channel=channel, ts=str(reply["ts"]))

    def _post_chart(self, channel_id: str, thread_ts: str, news: IncidentNews) -> None:
        """The incident chart as a PNG in its thread. The alert is delivered already: a
        failed upload is logged and never sends the alert again."""
        if not self._files:
            return
        try:
            png = escalation_png(news)
            if png is None:
                return
            self._client.files_upload_v2(
                channel=channel_id,
                thread_ts=thread_ts,
                content=png,
                filename=f"incident-{news.incident_id}.png",
                title=clip(headline(news, Kind.ESCALATE), 200),
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if error in NO_FILES:
                self._files = False
                log.warning(
                    "chart_skipped",
                    reason=error,
                    fix="add the files:write scope to the Slack app and reinstall it",
                )
            else:
                log.warning("chart_failed", error=describe(error))
        except (SlackClientError, OSError, ValueError) as exc:
            log.warning("chart_failed", error=f"{exc.__class__.__name__}: {safe(exc)}")

    def _digest(self, alert: Alert, digest: Digest, metadata: dict[str, Any]) -> Receipt:
        messages = digest_messages(digest)
        first = self._call(
            "chat.postMessage",
            channel=self._resolve(alert.channel),
            text=fallback(digest.title),
            blocks=messages[0],
            metadata=metadata,
        )
        for more in messages[1:]:
            self._call(
                "chat.postMessage",
                channel=first["channel"],
                thread_ts=first["ts"],
                text=fallback(digest.title),
                blocks=more,
            )
        return Receipt(channel=str(first["channel"]), ts=str(first["ts"]))

    def find(self, alert: Alert) -> Receipt | None:
        """Raises DeliveryError when the channel cannot be read back (unknown id, no
        history scope): the outbox then decides how often to send without checking."""
        if alert.root_ts is not None and alert.kind != Kind.DIGEST:
            channel = self._channel_id(alert.root_channel or alert.channel)
            pages = self._pages(
                "conversations.replies",
                channel=channel,
                ts=alert.root_ts,
                include_all_metadata=True,
            )
        else:
            channel = self._channel_id(alert.channel)
            oldest = (alert.created_at - FIND_SLACK).timestamp() if alert.created_at else 0
            pages = self._pages(
                "conversations.history",
                channel=channel,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
            )
        for message in pages:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_EVENT
                and meta.get("event_payload", {}).get("key") == alert.key
            ):
                ts = str(message["ts"])
                root = None if alert.root_ts is not None and alert.kind != Kind.DIGEST else ts
                return Receipt(channel=channel, ts=ts, root_ts=root)
        return None

    def _pages(self, method: str, **kwargs: Any) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        cursor = None
        for _ in range(FIND_PAGES):
            response = self._call(method, limit=200, cursor=cursor, **kwargs)
            messages.extend(response.get("messages") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return messages

    def _resolve(self, channel: str) -> str:
        """The channel's id, looked up once before the first post to it: a post whose
        answer is lost is then found again by reading that channel back. When it cannot be
        resolved the post still goes out, under the name given, and that is said loudly."""
        try:
            return self._channel_id(channel)
        except DeliveryError as exc:
            log.warning(
                "slack_channel_unresolved",
                channel=channel,
                reason=exc.reason,
                consequence="a post whose answer is lost cannot be checked: it may go twice",
            )
            return channel

    def _remember(self, channel: str, channel_id: str) -> None:
        with self._lock:
            self._ids[channel.lstrip("#")] = channel_id

    def _channel_id(self, channel: str) -> str:
        if _CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        with self._lock:
            if name in self._ids:
                return self._ids[name]
        if not channel.startswith("#"):
            # An id of a shape the pattern does not know: Slack says whether it is one.
            with contextlib.suppress(DeliveryError):
                found = self._call("conversations.info", channel=name)["channel"]["id"]
                self._remember(name, str(found))
                return str(found)
        cursor = None
        for _ in range(20):
            response = self._call(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for item in response.get("channels") or []:
                if item.get("name") == name:
                    self._remember(name, str(item["id"]))
                    return str(item["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        raise DeliveryError(f"slack: channel {channel} not found", permanent=True)

    def _call(self, method: str, **kwargs: Any) -> Any:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        api = {
            "chat.postMessage": self._client.chat_postMessage,
            "chat.update": self._client.chat_update,
            "conversations.history": self._client.conversations_history,
            "conversations.replies": self._client.conversations_replies,
            "conversations.list": self._client.conversations_list,
            "conversations.info": self._client.conversations_info,
        }
        try:
            return api[method](**kwargs)
        except SlackApiError as exc:
            response = exc.response
            error = str(response.get("error") or f"HTTP {response.status_code}")
            status = response.status_code
            retryable = error in RETRYABLE or status == 429 or status >= 500
            raise DeliveryError(
                f"slack {method}: {describe(error)}",
                permanent=not retryable,
                retry_after=retry_after(response.headers),
                maybe_delivered=error in UNCERTAIN or (status >= 500 and status != 503),
            ) from None
        except (SlackClientError, OSError, ValueError) as exc:
            raise DeliveryError(
                f"slack {method}: {exc.__class__.__name__}: {safe(exc)}", permanent=False
            ) from None
