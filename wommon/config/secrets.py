"""Secrets come from the environment or systemd credentials, never from the config file,
so the file can be world-readable and kept in version control."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from wommon.config.settings import Settings, is_loopback
from wommon.errors import ConfigError

SLACK_TOKEN_ENV = "SLACK_BOT_TOKEN"
SLACK_API_URL_ENV = "WOMMON_SLACK_API_URL"
SLACK_CHANNEL_ENV = "WOMMON_SLACK_CHANNEL"
SLACK_TOKEN_CREDENTIAL = "slack-bot-token"
SLACK_WEBHOOK_ENV = "SLACK_WEBHOOK_URL"
SLACK_WEBHOOK_CREDENTIAL = "slack-webhook-url"
SLACK_APP_TOKEN_ENV = "SLACK_APP_TOKEN"
SLACK_APP_TOKEN_CREDENTIAL = "slack-app-token"
WEB_TOKEN_ENV = "WOMMON_WEB_TOKEN"
WEB_TOKEN_CREDENTIAL = "web-token"
# Keys that would hold a secret: refused in the file, with where to put it instead.
SECRET_KEYS = {
    "token",
    "bot_token",
    "app_token",
    "slack_token",
    "webhook",
    "webhook_url",
    "password",
}


class SlackTarget(BaseModel):
    """Where alerts go; built from settings plus secrets, never printed whole."""

    model_config = ConfigDict(frozen=True)

    channel: str
    token: str | None = Field(default=None, repr=False)
    webhook_url: str | None = Field(default=None, repr=False)
    app_token: str | None = Field(default=None, repr=False)
    api_url: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.webhook_url, self.app_token) if s)


def slack_target(settings: Settings, env: Mapping[str, str] | None = None) -> SlackTarget | None:
    """The Slack destination, or None when alerts should go to the console.

    A bot token ($SLACK_BOT_TOKEN, or the systemd credential `slack-bot-token` in
    $CREDENTIALS_DIRECTORY) with a channel gives the full experience: one message per
    incident edited in place, a thread, buttons when an app-level token ($SLACK_APP_TOKEN /
    `slack-app-token`) enables Socket Mode. An incoming webhook ($SLACK_WEBHOOK_URL /
    `slack-webhook-url`) is the fallback: it cannot edit, so updates are follow-up posts.
    Secrets never come from the file. A token without a channel is a ConfigError: alerts
    would otherwise go to the console without a word.
    """
    env = os.environ if env is None else env
    channel = env.get(SLACK_CHANNEL_ENV) or settings.slack.channel
    token = _secret(env, SLACK_TOKEN_ENV, SLACK_TOKEN_CREDENTIAL)
    webhook = _secret(env, SLACK_WEBHOOK_ENV, SLACK_WEBHOOK_CREDENTIAL)
    if token and not channel:
        raise ConfigError(
            f"a Slack bot token is set (${SLACK_TOKEN_ENV} or the credential "
            f"'{SLACK_TOKEN_CREDENTIAL}') but no channel: set [slack] channel = \"#alerts\" "
            f"in the config or ${SLACK_CHANNEL_ENV}, or unset the token for console alerts"
        )
    if token and channel:
        return SlackTarget(
            channel=channel,
            token=token,
            app_token=_secret(env, SLACK_APP_TOKEN_ENV, SLACK_APP_TOKEN_CREDENTIAL) or None,
            api_url=env.get(SLACK_API_URL_ENV) or settings.slack.api_url,
        )
    if webhook:
        return SlackTarget(channel=channel or "(webhook)", webhook_url=webhook)
    return None


def web_token(settings: Settings, env: Mapping[str, str] | None = None) -> str | None:
    """The web UI's token, or None. Beyond loopback a token is required: a ConfigError
    names where to set it (`wommon check` and `wommon run` both ask here)."""
    env = os.environ if env is None else env
    token = _secret(env, WEB_TOKEN_ENV, WEB_TOKEN_CREDENTIAL) or None
    listen = settings.web.listen
    if listen and not is_loopback(listen) and token is None:
        raise ConfigError(
            f"[web] listen = {listen!r} is reachable from other machines and the pages show "
            f"every mention: set ${WEB_TOKEN_ENV} (or the systemd credential "
            f"'{WEB_TOKEN_CREDENTIAL}'), or listen on 127.0.0.1 behind a reverse proxy"
        )
    return token


def _secret(env: Mapping[str, str], variable: str, credential: str) -> str:
    return env.get(variable, "").strip() or _credential(env, credential)


def _credential(env: Mapping[str, str], name: str) -> str:
    directory = env.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return ""
    try:
        return (Path(directory) / name).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
