"""Warnings for a config that is valid but would not do what its author expects."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from wommon.collect.guard import AddressPolicy
from wommon.config import Settings


def warnings(settings: Settings) -> list[str]:
    found = []
    if not settings.brands:
        found.append("no [[brands]]: no mention can be about you, so nothing will ever alert")
    if not settings.sources:
        found.append("no [[sources]]: nothing will be collected (add one, or backfill a file)")
    policy = AddressPolicy.from_strings(settings.collect.allow_networks)
    for i, src in enumerate(settings.sources):
        refusal = _refusal(policy, src.url)
        if refusal:
            found.append(
                f"sources[{i}] ({src.name}): {refusal}; collection will refuse it unless "
                f"[collect] allow_networks lists its network"
            )
    return found


def _refusal(policy: AddressPolicy, url: str) -> str | None:
    """Why the address guard will refuse `url`'s host when it is a literal address (or
    localhost); names are judged at fetch time, when they are resolved."""
    host = (urlsplit(url).hostname or "").strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    reason = policy.refusal(address)
    return f"{host} is {reason}" if reason else None
