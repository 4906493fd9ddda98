"""PostgreSQL advisory locks: the only coordination between daemons beyond row locks.

Keys are derived from names with a stable hash, so every daemon computes the same one.
On SQLite there is one writer at a time anyway (`BEGIN IMMEDIATE`), so each lock is a
no-op that succeeds.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import Session


def key(*parts: str) -> int:
    """A signed 64-bit lock key for a name ("detect", brand)."""
    digest = hashlib.blake2b("\x1f".join(("wommon", *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def xact_lock(session: Session, *name: str) -> None:
    """Wait for the lock; held until the transaction ends."""
    if _postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key(*name)})


def try_xact_lock(session: Session, *name: str) -> bool:
    """Take the lock if nobody holds it; held until the transaction ends."""
    if not _postgres(session):
        return True
    found = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key(*name)})
    return bool(found.scalar())


def wait_at_most(session: Session, milliseconds: int) -> None:
    """A row or lock this transaction needs is waited for this long, then the transaction
    fails: for work that must not hang behind a frozen peer and can be tried again."""
    if _postgres(session):
        session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))
