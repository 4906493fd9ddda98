"""Reading a config file: TOML, then validation, then the checks across sections. A bad
config is the most common way a daemon fails at 3 a.m., so every error names the file, the
line, the key and what is allowed."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from wommon.config.secrets import (
    SECRET_KEYS,
    SLACK_TOKEN_CREDENTIAL,
    SLACK_TOKEN_ENV,
    WEB_TOKEN_CREDENTIAL,
    WEB_TOKEN_ENV,
)
from wommon.config.settings import Settings
from wommon.config.tomlpos import describe
from wommon.errors import ConfigError


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
    settings = parse(text, source=str(file))
    model = settings.analyze.model
    if model is not None and not model.is_absolute():
        # Beside the config, wherever the daemon is started from.
        analyze = settings.analyze.model_copy(update={"model": file.parent / model})
        settings = settings.model_copy(update={"analyze": analyze})
    return settings


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
            if key in SECRET_KEYS:
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
