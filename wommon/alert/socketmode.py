"""Button clicks from Slack over Socket Mode: an outbound WebSocket, so wommon needs no
public HTTP endpoint. Enabled when an app-level token (xapp-) is configured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy.engine import Engine

from wommon import logs
from wommon.alert.actions import apply_action
from wommon.alert.blocks import VERDICT_ACTION
from wommon.store import labels
from wommon.store.enums import Verdict

log = logs.events(__name__)
PREFIX = "wommon_"


class ButtonListener:
    def __init__(
        self,
        app_token: str,
        web_client: WebClient,
        engine: Engine,
        now: Callable[[], datetime],
        window_hours: float,
    ) -> None:
        self._engine = engine
        self._now = now
        self._window_hours = window_hours
        self._client = SocketModeClient(app_token=app_token, web_client=web_client)
        self._client.socket_mode_request_listeners.append(self._on_request)

    def start(self) -> None:
        self._client.connect()
        log.info("buttons_listening", via="Socket Mode")

    def stop(self) -> None:
        self._client.close()

    def _on_request(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        payload = request.payload or {}
        if request.type != "interactive" or payload.get("type") != "block_actions":
            return
        user = payload.get("user") or {}
        who = str(user.get("name") or user.get("username") or user.get("id") or "someone")
        for action in payload.get("actions") or []:
            action_id = str(action.get("action_id", ""))
            if action_id == VERDICT_ACTION:
                self._on_verdict(action, who)
                continue
            value = str(action.get("value", ""))
            if not action_id.startswith(PREFIX) or not value.isdigit():
                continue
            done = apply_action(
                self._engine,
                int(value),
                action_id.removeprefix(PREFIX),
                who,
                self._now(),
                self._window_hours,
            )
            log.info(
                "button",
                action=action_id.removeprefix(PREFIX),
                incident=value,
                user=who,
                detail="recorded" if done else "ignored",
            )

    def _on_verdict(self, action: dict[str, object], who: str) -> None:
        """A choice from the menu beside a quoted mention: "not_about_us:42" and the like."""
        option = action.get("selected_option")
        value = str(option.get("value", "")) if isinstance(option, dict) else ""
        verdict, _, mention = value.partition(":")
        known = verdict in {v.value for v in Verdict} and mention.isdigit()
        done = known and labels.record(
            self._engine, int(mention), Verdict(verdict), who, self._now()
        )
        log.info(
            "label",
            verdict=verdict or None,
            mention=mention or None,
            user=who,
            detail="recorded" if done else "ignored",
        )
