"""Sentiment in any language the embeddings know, from a small model shipped in the
package: a softmax regression over multilingual sentence embeddings, trained by
training/train_sentiment.py on VADER's rated tweets (MIT), OpeNER's Spanish review
sentences (CC-BY 4.0) and Spanish posts written for wommon. VADER's lexicon is English;
this is how Spanish gets a sentiment score at all, offline and without a download.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

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


@dataclass(frozen=True)
class SentimentModel:
    """Softmax weights ((dimensions + 1) x 3, the last row the bias) and the class offsets
    tuned on top of them."""

    weights: np.ndarray
    offsets: np.ndarray

    def polarity_of(self, vectors: np.ndarray) -> list[Polarity]:
        """Class probabilities from embeddings already computed (one row per text)."""
        if not len(vectors):
            return []
        z = vectors @ self.weights[:-1] + self.weights[-1] + self.offsets
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return [Polarity(float(a), float(b), float(c)) for a, b, c in p]


@cache
def shipped() -> SentimentModel:
    """The model in the package, read once per process."""
    with resources.files("wommon.analyze").joinpath("sentiment_model.npz").open("rb") as f:
        data = np.load(f)
        weights, offsets = data["weights"], data["offsets"]
    return SentimentModel(weights.astype(np.float32), offsets.astype(np.float32))
