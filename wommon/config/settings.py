"""TOML configuration -> validated, frozen settings.

A bad config is the most common way a daemon fails at 3 a.m., so every error names the
file, the line, the key and what is allowed. Secrets never live in the file: the Slack token
comes from the environment or a systemd credential, so the config can be world-readable and
checked into version control.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from wommon import defaults
from wommon.config.tomlpos import describe
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
_SECRET_KEYS = {
    "token",
    "bot_token",
    "app_token",
    "slack_token",
    "webhook",
    "webhook_url",
    "password",
}


# Upper bounds: past these a value is a typo, and some (a period of 10^19 seconds) would
# overflow the scheduler or the date arithmetic of a running daemon.
_DAY = 24 * 3600
_MAX_PERIOD_SECONDS = 7 * _DAY
_MAX_INTERVAL_SECONDS = 30 * _DAY
_MAX_COUNT = 1_000_000
_MAX_HOURS = 24 * 366
_MAX_DAYS = 3660


class _Section(BaseModel):
    # inf and nan parse as TOML floats; no setting of wommon means them.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class StorageSettings(_Section):
    url: str = "sqlite:///wommon.db"

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class CollectSettings(_Section):
    timeout_seconds: float = Field(defaults.FETCH_TIMEOUT_SECONDS, gt=0, le=300)
    max_bytes: int = Field(defaults.FETCH_MAX_BYTES, gt=0, le=1024 * 1024 * 1024)
    max_redirects: int = Field(defaults.FETCH_MAX_REDIRECTS, ge=0, le=30)
    workers: int = Field(defaults.FETCH_WORKERS, ge=1, le=64)
    max_per_host: int = Field(defaults.FETCH_MAX_PER_HOST, ge=1, le=64)
    # Worker processes for parsing; unset: one per core but one.
    parse_processes: int | None = Field(None, ge=0, le=32)
    user_agent: str = defaults.USER_AGENT
    allow_networks: tuple[str, ...] = ()

    @field_validator("user_agent")
    @classmethod
    def _agent(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must be one line of printable text (no CR, LF or control codes)")
        try:
            value.format(version="0")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                "may use only {version} as a placeholder (write {{ and }} for braces)"
            ) from None
        return value

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{network!r} is not an IP network (examples: '127.0.0.1/32', '10.0.0.0/8')"
                ) from None
        return value


class BrandSettings(_Section):
    name: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @field_validator("name", "aliases", "exclude")
    @classmethod
    def _words(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for term in (value,) if isinstance(value, str) else value:
            if not term.strip():
                raise ValueError("must not be blank (a blank alias would match every post)")
        return value

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


SourceKind = Literal["rss", "atom", "jsonfeed", "appstore", "googlealerts"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
APPSTORE_URL = "https://itunes.apple.com/{country}/rss/customerreviews/page=1/id={app_id}/sortby=mostrecent/json"


class SourceSettings(_Section):
    name: str = Field(min_length=1, max_length=200)
    kind: SourceKind = "rss"
    url: str = ""
    app_id: str | None = Field(None, pattern=r"^[0-9]+$")
    country: str = Field("us", pattern=r"^[a-z]{2}$")
    brand: str | None = None
    weight: float = Field(1.0, gt=0, le=100)
    interval_seconds: int = Field(
        defaults.SOURCE_INTERVAL_SECONDS,
        ge=defaults.MIN_SOURCE_INTERVAL_SECONDS,
        le=_MAX_INTERVAL_SECONDS,
    )

    @model_validator(mode="after")
    def _url(self) -> SourceSettings:
        if not self.url and self.kind == "appstore" and self.app_id:
            object.__setattr__(
                self, "url", APPSTORE_URL.format(country=self.country, app_id=self.app_id)
            )
        if not self.url:
            raise PydanticCustomError("url", 'required (or, for kind = "appstore", app_id)')
        problem = url_problem(self.url)
        if problem:
            raise PydanticCustomError("url", "{problem}", {"problem": problem})
        return self


class DetectSettings(_Section):
    negative_sentiment: float = Field(defaults.NEGATIVE_SENTIMENT, ge=-1, le=1)
    window_hours: float = Field(defaults.DETECT_WINDOW_HOURS, gt=0, le=_MAX_HOURS)
    min_mentions: int = Field(defaults.DETECT_MIN_MENTIONS, ge=1, le=_MAX_COUNT)
    min_sources: int = Field(defaults.DETECT_MIN_SOURCES, ge=1, le=_MAX_COUNT)
    viral_mentions: int = Field(defaults.DETECT_VIRAL_MENTIONS, ge=2, le=_MAX_COUNT)
    alert_confidence: float = Field(defaults.DETECT_ALERT_CONFIDENCE, gt=0, le=1)
    similarity: float = Field(defaults.DETECT_SIMILARITY, gt=0, le=1)
    semantic_similarity: float = Field(defaults.DETECT_SEMANTIC_SIMILARITY, gt=0, le=1)
    update_step: int = Field(defaults.DETECT_UPDATE_STEP, ge=1, le=_MAX_COUNT)
    cooldown_hours: float = Field(defaults.DETECT_COOLDOWN_HOURS, gt=0, le=_MAX_HOURS)
    reopen_days: float = Field(defaults.DETECT_REOPEN_DAYS, ge=0, le=_MAX_DAYS)


Severity = Literal["low", "medium", "high"]
_CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class SlackRoute(_Section):
    """Alerts for `brand` (any brand when unset) of at least `min_severity` go to `channel`."""

    channel: str = Field(min_length=1)
    brand: str | None = None
    min_severity: Severity | None = None


class SlackSettings(_Section):
    channel: str | None = None
    api_url: str | None = None
    messages_per_second: float = Field(defaults.SLACK_MESSAGES_PER_SECOND, gt=0, le=50)
    routes: tuple[SlackRoute, ...] = ()
    timezone: str = "UTC"
    quiet_hours: str | None = None
    quiet_min_severity: Severity = "high"
    daily_digest: str | None = None

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        problem = url_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. 'Europe/Madrid', 'UTC')") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is None:
            return value
        start, sep, end = value.partition("-")
        if not sep or not _CLOCK_TIME.match(start.strip()) or not _CLOCK_TIME.match(end.strip()):
            raise ValueError(f"must be 'HH:MM-HH:MM', e.g. '22:00-07:00' (got {value!r})")
        return value

    @field_validator("daily_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and not _CLOCK_TIME.match(value):
            raise ValueError(f"must be 'HH:MM', e.g. '09:00' (got {value!r})")
        return value


class DaemonSettings(_Section):
    collect_every_seconds: int = Field(defaults.COLLECT_EVERY_SECONDS, ge=1, le=_MAX_PERIOD_SECONDS)
    analyze_every_seconds: int = Field(defaults.ANALYZE_EVERY_SECONDS, ge=1, le=_MAX_PERIOD_SECONDS)
    detect_every_seconds: int = Field(defaults.DETECT_EVERY_SECONDS, ge=1, le=_MAX_PERIOD_SECONDS)
    deliver_every_seconds: int = Field(defaults.DELIVER_EVERY_SECONDS, ge=1, le=_MAX_PERIOD_SECONDS)
    stop_timeout_seconds: float = Field(defaults.STOP_TIMEOUT_SECONDS, gt=0, le=3600)
    job_timeout_seconds: float = Field(defaults.JOB_TIMEOUT_SECONDS, gt=0, le=_DAY)
    # Every daemon writes a heartbeat row this often; one silent for HEARTBEAT_MISSES
    # periods is taken for dead and its claims are given back to the others.
    heartbeat_seconds: int = Field(defaults.HEARTBEAT_SECONDS, ge=1, le=300)
    # Unhealthy (/healthz 503, `wommon status` exit 1) when a job failed this many times in
    # a row, or failed and has not succeeded for this long.
    unhealthy_after_failures: int = Field(defaults.UNHEALTHY_AFTER_FAILURES, ge=1, le=1000)
    unhealthy_after_seconds: int = Field(
        defaults.UNHEALTHY_AFTER_SECONDS, ge=1, le=_MAX_INTERVAL_SECONDS
    )
    health_listen: str | None = None
    # /healthz and /metrics are unauthenticated: beyond loopback only when asked for.
    health_public: bool = False

    @field_validator("health_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        return None if value is None else _listen_address(value)

    @model_validator(mode="after")
    def _loopback_unless_public(self) -> DaemonSettings:
        listen = self.health_listen or "127.0.0.1:0"
        if not is_loopback(listen) and not self.health_public:
            host = listen.rpartition(":")[0].strip("[]")
            raise PydanticCustomError(
                "health_listen",
                "{host} is reachable from other machines and /metrics has no login: "
                "listen on 127.0.0.1 (behind a proxy), or set health_public = true",
                {"host": host},
            )
        return self


def _listen_address(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"must be HOST:PORT, e.g. '127.0.0.1:9464' (got {value!r})")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host != "localhost":
            raise ValueError(
                f"must be an IP address and port, e.g. '127.0.0.1:9464' (got {value!r})"
            ) from None
    return value


def is_loopback(listen: str) -> bool:
    host = listen.rpartition(":")[0].strip("[]")
    return host == "localhost" or ipaddress.ip_address(host).is_loopback


class WebSettings(_Section):
    """The read-only web UI, served by the daemon when `listen` is set. Beyond loopback it
    needs a token ($WOMMON_WEB_TOKEN or the systemd credential `web-token`): the pages
    show every mention and incident."""

    listen: str | None = None
    # Where people reach the UI (through the reverse proxy): Slack links point here.
    public_url: str | None = None
    # The Slack workspace (https://acme.slack.com): incident pages link to their thread.
    slack_workspace_url: str | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        return None if value is None else _listen_address(value)

    @field_validator("public_url", "slack_workspace_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        problem = url_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value.rstrip("/") if value else value


class Settings(_Section):
    storage: StorageSettings = StorageSettings()
    collect: CollectSettings = CollectSettings()
    detect: DetectSettings = DetectSettings()
    slack: SlackSettings = SlackSettings()
    daemon: DaemonSettings = DaemonSettings()
    web: WebSettings = WebSettings()
    brands: tuple[BrandSettings, ...] = ()
    sources: tuple[SourceSettings, ...] = ()


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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched from, or None."""
    if _CONTROL.search(url):
        return "must not contain control characters (CR, LF, NUL, ...)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as exc:
        return f"not a valid URL ({exc}): {url!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http:// or https:// URL (got {url!r})"
    return None


def load(path: str | os.PathLike[str]) -> Settings:
    """Read and validate a config file; raise ConfigError naming file, line and key."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{file}:{line}: config is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}): "
            "save the file as UTF-8"
        ) from None
    return parse(text, source=str(file))


def parse(text: str, *, source: str = "<config>") -> Settings:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    problems = [*_secret_problems(raw), *_string_problems(raw, ())]
    if not problems:
        try:
            settings = Settings.model_validate(raw)
        except ValidationError as exc:
            problems = [(_loc(err), _message(err)) for err in exc.errors()]
        else:
            problems = list(_consistency_problems(settings))
            if not problems:
                return settings
    raise ConfigError("\n".join(describe(text, source, loc, msg) for loc, msg in problems))


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


def _secret_problems(raw: Mapping[str, Any]) -> Sequence[tuple[tuple[str | int, ...], str]]:
    where = {
        "slack": (SLACK_TOKEN_ENV, SLACK_TOKEN_CREDENTIAL),
        "web": (WEB_TOKEN_ENV, WEB_TOKEN_CREDENTIAL),
    }
    for section, (variable, credential) in where.items():
        table = raw.get(section)
        if not isinstance(table, Mapping):
            continue
        for key in table:
            if key in _SECRET_KEYS:
                return [
                    (
                        (section, key),
                        f"secrets do not belong in the config file: remove it and set "
                        f"${variable} or the systemd credential '{credential}' instead",
                    )
                ]
    return []


def _string_problems(
    value: Any, loc: tuple[str | int, ...]
) -> Sequence[tuple[tuple[str | int, ...], str]]:
    """NUL characters anywhere: no database stores them (PostgreSQL refuses the row)."""
    if isinstance(value, str):
        return [(loc, "must not contain a NUL character")] if "\x00" in value else []
    items: Any = value.items() if isinstance(value, Mapping) else ()
    if isinstance(value, list):
        items = enumerate(value)
    return [problem for key, item in items for problem in _string_problems(item, (*loc, key))]


def _consistency_problems(settings: Settings) -> Sequence[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    brands: set[str] = set()
    for i, brand in enumerate(settings.brands):
        if brand.name.casefold() in brands:
            problems.append((("brands", i, "name"), f"duplicate brand name {brand.name!r}"))
        brands.add(brand.name.casefold())
    names: set[str] = set()
    for i, src in enumerate(settings.sources):
        if src.name in names:
            problems.append((("sources", i, "name"), f"duplicate source name {src.name!r}"))
        names.add(src.name)
        if src.brand is not None and src.brand.casefold() not in brands:
            known = ", ".join(b.name for b in settings.brands) or "none defined"
            problems.append(
                (("sources", i, "brand"), f"unknown brand {src.brand!r} (brands: {known})")
            )
    return problems


def _loc(err: Mapping[str, Any]) -> tuple[str | int, ...]:
    """Errors raised by a whole-table check carry the key they are about as their type."""
    loc = tuple(err["loc"])
    if err["type"] in ("url", "health_listen"):
        return (*loc, err["type"])
    return loc


def _message(err: Mapping[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        if len(err["loc"]) == 1:
            known = ", ".join(f"[{name}]" for name in Settings.model_fields)
            return f"unknown table or key (the tables are {known})"
        return "unknown key (check the spelling: `wommon init` writes the documented example)"
    if err["type"] == "tuple_type" and len(err["loc"]) == 1:
        name = err["loc"][0]
        return f"must be a list of tables: write each one as [[{name}]]"
    if err["type"] == "finite_number":
        return "must be a finite number (not inf or nan)"
    if err["type"] == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
