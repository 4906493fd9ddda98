"""Where wommon may connect: public addresses only, unless a network is allow-listed.

A feed URL is user input, and so is every redirect it answers with. Checking the URL's host
once is not enough (DNS rebinding, redirects to 169.254.169.254), so the check lives in the
connection itself: every new connection resolves the host, refuses private, loopback,
link-local and reserved addresses, and connects to the very address it checked. Sockets it
opens are registered with the caller's watchdog so a whole-request deadline can cut them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class AddressPolicy:
    allow: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_strings(cls, networks: Iterable[str]) -> AddressPolicy:
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def refusal(self, address: IPAddress) -> str | None:
        """Why connecting to `address` is refused, or None when it is allowed."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in net for net in self.allow):
            return None
        if address.is_loopback:
            return "loopback"
        if address.is_link_local:
            return "link-local (cloud metadata)"
        if address.is_private:
            return "private network"
        if address.is_multicast or address.is_reserved or address.is_unspecified:
            return "reserved"
        if not address.is_global:
            return "not globally routable"
        return None


class BlockedAddressError(NewConnectionError):
    """The host resolves to an address the policy refuses; raised before connecting."""

    def __init__(self, conn: Any, message: str) -> None:
        super().__init__(conn, message)
        self.message = message


@dataclass
class _Watch:
    sockets: list[socket.socket] = field(default_factory=list)
    expired: bool = False


_local = threading.local()


def watch() -> _Watch:
    """Start recording the sockets this thread opens; `cut` closes them from another thread."""
    current = _Watch()
    _local.watch = current
    return current


def cut(current: _Watch) -> None:
    current.expired = True
    for sock in list(current.sockets):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _GuardedMixin:
    policy: AddressPolicy
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        host = self.host.strip("[]")
        try:
            infos = socket.getaddrinfo(host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(host, self, exc) from exc  # type: ignore[arg-type]
        last: Exception | None = None
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(sockaddr[0])
            reason = self.policy.refusal(address)
            if reason is not None:
                last = BlockedAddressError(
                    self,
                    f"refused: {host} resolves to {address} ({reason}); "
                    f"add it to collect.allow_networks to allow it",
                )
                continue
            try:
                sock = create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                last = ConnectTimeoutError(self, f"connection to {host} timed out")
                last.__cause__ = exc
                continue
            except OSError as exc:
                last = NewConnectionError(self, f"failed to connect to {host}: {exc}")  # type: ignore[arg-type]
                continue
            current = getattr(_local, "watch", None)
            if current is not None:
                current.sockets.append(sock)
            return sock
        raise last or NewConnectionError(self, f"{host} has no address")  # type: ignore[arg-type]


def guarded_adapter(policy: AddressPolicy, pool_maxsize: int) -> HTTPAdapter:
    """A requests adapter whose every connection goes through the address policy."""

    class GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
        pass

    class GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
        pass

    GuardedHTTPConnection.policy = policy
    GuardedHTTPSConnection.policy = policy

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    adapter = HTTPAdapter(pool_connections=64, pool_maxsize=pool_maxsize, max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {
        "http": GuardedHTTPPool,
        "https": GuardedHTTPSPool,
    }
    return adapter
