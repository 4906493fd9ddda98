"""The settings: one frozen section per stage, each value checked where it is declared
(bounds, formats, what a running daemon could not survive)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from wommon import defaults

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
    """A brand to watch. A post is about it when it names it (`name` or an alias, not
    inside an `exclude` phrase), and, when set, also holds one of `require_any`, and names
    it within `near_words` words of one of `near`. Whole words, case and accents ignored."""

    name: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    require_any: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    near_words: int = Field(defaults.BRAND_NEAR_WORDS, ge=1, le=100)

    @field_validator("name", "aliases", "exclude", "require_any", "near")
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
    # Mentions of a brand one detection run takes in one transaction; a backlog runs again
    # at once until it is drained.
    batch_mentions: int = Field(defaults.DETECT_BATCH_MENTIONS, ge=1, le=_MAX_COUNT)


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


class AnalyzeSettings(_Section):
    """The analysis stage. `model` is a head fitted by `wommon train` on this deployment's
    own labelled posts (a path relative to the config file); without it the shipped
    complaint head decides."""

    model: Path | None = None


class Settings(_Section):
    storage: StorageSettings = StorageSettings()
    collect: CollectSettings = CollectSettings()
    analyze: AnalyzeSettings = AnalyzeSettings()
    detect: DetectSettings = DetectSettings()
    slack: SlackSettings = SlackSettings()
    daemon: DaemonSettings = DaemonSettings()
    web: WebSettings = WebSettings()
    brands: tuple[BrandSettings, ...] = ()
    sources: tuple[SourceSettings, ...] = ()


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
