"""Slack delivery through slack-sdk's WebClient: one root message per incident, edited in
place, with updates in its thread.

slack-sdk's default retry handler re-POSTs blindly after connection errors, which can post
a message twice; it is switched off here and retries belong to the outbox, which knows what
was already sent. Tokens never appear in an error: messages carry only Slack's error code.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from wommon.alert import render
from wommon.alert.notifier import Alert, Receipt
from wommon.errors import DeliveryError

# Errors where trying again later can succeed; every other Slack error needs a person.
RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
METADATA_EVENT = "wommon_alert"
SECTION_LIMIT = 3000
COLOURS = {
    "high": ":red_circle:",
    "medium": ":large_orange_circle:",
    "low": ":large_yellow_circle:",
}


def escape(text: str) -> str:
    """Slack's three control characters; this is what stops `<!channel>` in a feed title
    from paging a whole workspace."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def blocks(alert: Alert) -> list[dict[str, Any]]:
    p = alert.payload
    state = p["state"] if alert.kind != "resolve" else "resolved"
    icon = ":white_check_mark:" if state == "resolved" else COLOURS.get(p["severity"], "")
    head = escape(render.headline(p, "open" if alert.kind == "update" else alert.kind))
    result: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"{icon} *{head}*")}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _clip(escape(render.facts(p)))}],
        },
    ]
    for ex in render.excerpts(p):
        quote = escape((ex.get("title") or ex.get("text") or "").replace("\n", " "))
        url = ex.get("url") or ""
        where = f"<{escape(url)}|{escape(ex.get('domain') or url)}>" if url else ""
        result.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"> {quote}\n{where}")}}
        )
    return result


class SlackNotifier:
    def __init__(self, client: WebClient, channel: str) -> None:
        self._client = client
        self._channel = channel

    @classmethod
    def from_token(cls, token: str, channel: str, api_url: str | None = None) -> SlackNotifier:
        kwargs: dict[str, Any] = {"token": token, "timeout": 15, "retry_handlers": []}
        if api_url:
            kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
        return cls(WebClient(**kwargs), channel)

    def send(self, alert: Alert) -> Receipt:
        text = render.headline(alert.payload, alert.kind)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": alert.key}}
        if alert.kind == "open" or alert.root_ts is None:
            response = self._call(
                "chat.postMessage",
                channel=self._channel,
                text=escape(text),
                blocks=blocks(alert),
                metadata=metadata,
                unfurl_links=False,
            )
            return Receipt(channel=str(response["channel"]), ts=str(response["ts"]))
        channel = alert.root_channel or self._channel
        self._call(
            "chat.update",
            channel=channel,
            ts=alert.root_ts,
            text=escape(text),
            blocks=blocks(alert),
        )
        reply = self._call(
            "chat.postMessage",
            channel=channel,
            thread_ts=alert.root_ts,
            text=escape(f"{render.TITLES.get(alert.kind, '')}: {render.facts(alert.payload)}"),
            metadata=metadata,
            unfurl_links=False,
        )
        return Receipt(channel=channel, ts=str(reply["ts"]))

    def _call(self, method: str, **kwargs: Any) -> Any:
        api = {
            "chat.postMessage": self._client.chat_postMessage,
            "chat.update": self._client.chat_update,
        }
        try:
            return api[method](**kwargs)
        except SlackApiError as exc:
            response = exc.response
            error = str(response.get("error") or f"HTTP {response.status_code}")
            retry_after = _retry_after(response.headers)
            status = response.status_code
            retryable = error in RETRYABLE or status == 429 or status >= 500
            raise DeliveryError(
                f"slack {method}: {error}", permanent=not retryable, retry_after=retry_after
            ) from None
        except (SlackClientError, OSError, ValueError) as exc:
            raise DeliveryError(
                f"slack {method}: {exc.__class__.__name__}: {_safe(exc)}", permanent=False
            ) from None


def _retry_after(headers: Any) -> float | None:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value is not None:
            try:
                return float(value if isinstance(value, str) else value[0])
            except (TypeError, ValueError, IndexError):
                return None
    return None


def _safe(exc: BaseException) -> str:
    """An exception's text without anything that looks like a Slack token."""
    import re

    return re.sub(r"xox[a-z]-[A-Za-z0-9-]+", "xox?-***", str(exc))[:300]
