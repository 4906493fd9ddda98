"""Sentiment with VADER, scored on the sentences that speak of the brand.

Scoring a 2,000-character post whole is slow (about 83 posts/s) and dilutes the one angry
sentence among pleasantries; the sentences naming the brand carry the opinion about it.
"""

from __future__ import annotations

import re
from statistics import fmean

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class SentimentScorer:
    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def score(self, sentences: list[str]) -> float:
        """VADER compound in [-1, 1] of what is said about the brand (0.0 for nothing).

        The most negative sentence decides when there is one: a review that praises the
        coffee and then says the order was cancelled is a complaint, not a mixed opinion.
        """
        if not sentences:
            return 0.0
        scores = [self._vader.polarity_scores(s)["compound"] for s in sentences]
        worst = min(scores)
        return worst if worst < 0 else fmean(scores)
