"""Sentiment in any language the embeddings know, from a small model shipped in the
package: a softmax regression over multilingual sentence embeddings, trained by
training/train_sentiment.py on VADER's rated tweets (MIT) and OpeNER's Spanish review
sentences (CC-BY 4.0). VADER's lexicon is English; this is how Spanish gets a sentiment
score at all, offline and without a download.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from wommon.analyze.embed import embed

CLASSES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Polarity:
    negative: float
    neutral: float
    positive: float

    @property
    def compound(self) -> float:
        """In [-1, 1], VADER's scale: positive minus negative probability."""
        return self.positive - self.negative

    @property
    def label(self) -> str:
        scores = (self.negative, self.neutral, self.positive)
        return CLASSES[scores.index(max(scores))]


@cache
def _weights() -> tuple[np.ndarray, np.ndarray]:
    with resources.files("wommon.analyze").joinpath("sentiment_model.npz").open("rb") as f:
        data = np.load(f)
        return data["weights"].astype(np.float32), data["offsets"].astype(np.float32)


def polarity(texts: list[str]) -> list[Polarity]:
    """Class probabilities for each text (the tuned offsets included)."""
    return polarity_of(embed(texts)) if texts else []


def polarity_of(vectors: np.ndarray) -> list[Polarity]:
    """Class probabilities from embeddings already computed (one row per text)."""
    if not len(vectors):
        return []
    weights, offsets = _weights()
    z = vectors @ weights[:-1] + weights[-1] + offsets
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return [Polarity(float(a), float(b), float(c)) for a, b, c in p]
