"""The analysis step: pending mentions -> verdicts, written in one bulk update, marking
each mention analysed in the same transaction as its verdict (and detected, when it is
not a negative mention of a brand: detection would have nothing to do with it)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as columns
from sqlalchemy.engine import Engine
from sqlmodel import col

from wommon.analyze.analyzer import Analyzer, Item
from wommon.store import bulk, tally
from wommon.store.db import transaction
from wommon.store.models import Mention, Source
from wommon.store.prepared import Prepared

# Prepared once (every run sends it): the oldest mentions not analysed, locked for this run.
_BATCH = Prepared(
    columns(col(Mention.id), col(Mention.title), col(Mention.text), col(Source.brand))
    .join(Source, col(Source.id) == col(Mention.source_id))
    .where(col(Mention.analyzed_at).is_(None))
    .order_by(col(Mention.id))
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=Mention)
)


def analyze_pending(engine: Engine, analyzer: Analyzer, now: datetime, limit: int = 500) -> int:
    """Analyse up to `limit` mentions not yet analysed; returns how many were.

    The batch is claimed by its row locks (`FOR UPDATE SKIP LOCKED` on PostgreSQL) for the
    length of the transaction that writes its verdicts: several daemons analyse disjoint
    batches, and a crash gives the rows back with the transaction. It reads only the
    columns analysis needs and writes every verdict in one bulk update."""
    with transaction(engine) as session:
        rows = _BATCH.rows(session.connection(), {"limit": limit})
        verdicts = []
        counted: Counter[tuple[str, str]] = Counter({tally.PENDING: -len(rows)})
        results = analyzer.analyze_many(
            [Item(title, text, brand) for _, title, text, brand in rows]
        )
        for (mention_id, *_), result in zip(rows, results, strict=True):
            verdicts.append(
                {
                    "id": mention_id,
                    **result.columns(),
                    "analyzed_at": now,
                    # Only a negative mention of a brand can join a story or count in an
                    # hour: the rest are done with here, not read again by detection.
                    "detected_at": None if result.negative and result.brand else now,
                }
            )
            counted[tally.verdict_of(result.language, result.negative)] += 1
        if verdicts:
            bulk.update_by_id(session, Mention, verdicts)
            tally.add(session, counted)
        return len(rows)
