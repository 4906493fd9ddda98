"""How many mentions are stored, by language and verdict, kept as a few summary rows that
the steps update in the transactions that change them: `/metrics`, `/healthz` and `wommon
status` read these rows instead of counting millions of mentions on every scrape.

A new mention counts as ("unknown", "pending"); analysis moves it to its language and
verdict ("negative" or "other"). Several daemons add to the same rows atomically (an
upsert that adds). `recount` rebuilds the rows from the mentions, for when history is
re-scored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import case, delete, func
from sqlmodel import Session, col, select

from wommon.store import bulk
from wommon.store.models import Mention, MentionTally

PENDING = ("unknown", "pending")


def verdict_of(language: str | None, negative: bool | None) -> tuple[str, str]:
    return (language or "unknown", "negative" if negative else "other")


def add(session: Session, changes: Mapping[tuple[str, str], int]) -> None:
    """Add each change (negative to take away) to its row, in one statement."""
    rows = [
        {"language": language, "verdict": verdict, "mentions": n}
        for (language, verdict), n in sorted(changes.items())
        if n
    ]
    bulk.add_to(session, MentionTally, ("language", "verdict"), "mentions", rows)


def read(session: Session) -> dict[tuple[str, str], int]:
    return {
        (language, verdict): n
        for language, verdict, n in session.exec(
            select(MentionTally.language, MentionTally.verdict, MentionTally.mentions)
        )
        if n
    }


def recount(session: Session) -> None:
    """Count every mention again (one scan): after a re-score changed verdicts."""
    verdict = case(
        (col(Mention.analyzed_at).is_(None), "pending"),
        (col(Mention.negative).is_(True), "negative"),
        else_="other",
    )
    language = case(
        (col(Mention.analyzed_at).is_(None), "unknown"),
        else_=func.coalesce(Mention.language, "unknown"),
    )
    counts: Counter[tuple[str, str]] = Counter()
    for lang, kind, n in session.exec(
        select(language, verdict, func.count()).group_by(language, verdict)
    ):
        counts[(str(lang), str(kind))] += int(n)
    session.execute(delete(MentionTally))
    add(session, counts)
