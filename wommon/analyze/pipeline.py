"""The analysis step: pending mentions -> brand, sentiment, negative-experience verdict.

`analyze_text` is pure (text in, Analysis out); `analyze_pending` is the thin storage loop
around it, marking each mention analysed in the same transaction as its verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from wommon.analyze.brands import BrandMatcher, fold
from wommon.analyze.language import detect_language
from wommon.analyze.sentiment import SentimentScorer, split_sentences
from wommon.store.db import transaction
from wommon.store.models import Mention, Source

_FALLBACK_CHARS = 1000


@dataclass(frozen=True)
class Analysis:
    brand: str | None
    language: str | None
    sentiment: float | None
    negative: bool


class Analyzer:
    def __init__(self, matcher: BrandMatcher, negative_below: float) -> None:
        self._matcher = matcher
        self._scorer = SentimentScorer()
        self._negative_below = negative_below

    def analyze_text(self, title: str, text: str, source_brand: str | None = None) -> Analysis:
        """Judge one mention. A source dedicated to a brand (its review feed, say) makes
        every entry about that brand even when the text never names it. VADER is an English
        lexicon, so text in any other language is recorded with its language and left
        unscored rather than scored wrongly."""
        brand = self._matcher.match(f"{title}\n{text}") or source_brand
        language = detect_language(f"{title}. {text}")
        if language != "en":
            return Analysis(brand=brand, language=language, sentiment=None, negative=False)
        sentences = split_sentences(text)
        pattern = self._matcher.terms(brand) if brand else None
        hits = [i for i, s in enumerate(sentences) if pattern and pattern.search(fold(s))]
        # The sentence after the brand's often carries the verdict: "Acme charged me twice.
        # Awful service."
        about = [
            sentences[i]
            for i in sorted({j for h in hits for j in (h, h + 1)})
            if i < len(sentences)
        ]
        if not about:
            about = split_sentences(text[:_FALLBACK_CHARS])
        if title:
            about.insert(0, title)
        sentiment = self._scorer.score(about)
        negative = brand is not None and sentiment <= self._negative_below
        return Analysis(
            brand=brand, language=language, sentiment=round(sentiment, 4), negative=negative
        )


def analyze_pending(engine: Engine, analyzer: Analyzer, now: datetime, limit: int = 500) -> int:
    """Analyse up to `limit` mentions not yet analysed; returns how many were."""
    with transaction(engine) as session:
        rows = session.exec(
            select(Mention, Source.brand)
            .join(Source, col(Source.id) == col(Mention.source_id))
            .where(col(Mention.analyzed_at).is_(None))
            .order_by(col(Mention.id))
            .limit(limit)
        ).all()
        for mention, source_brand in rows:
            result = analyzer.analyze_text(mention.title, mention.text, source_brand)
            mention.brand = result.brand
            mention.language = result.language
            mention.sentiment = result.sentiment
            mention.negative = result.negative
            mention.analyzed_at = now
            session.add(mention)
        return len(rows)
