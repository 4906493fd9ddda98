"""Analysis benchmark: quality on the labelled sets and speed against VADER alone.

Quality: `wommon eval`'s figures on complaints/dev.csv (negative experience vs rest),
es_tweets/dev.csv (negative vs rest, and 3-class) and es_reviews/dev.csv (negative vs
positive accuracy), with VADER compound < 0 (< -0.05 for 3 classes) as the baseline.
Speed, one core, median of 3 runs, VADER alone in the same run as baseline: review-length
(~200 characters) and blog-length (~2,000 characters) texts. Aspects: per-aspect precision
and recall on bench/data/aspects.csv, 154 English and Spanish mentions written for it.

    python bench/analysis.py [DATA_DIR]    # default ../shared/data
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from wommon.analyze.analyzer import Analyzer, Item
from wommon.analyze.aspects import ASPECTS
from wommon.analyze.brands import BrandMatcher
from wommon.config import AnalyzeSettings, DetectSettings
from wommon.runs.evaluation import binary_scores, three_class_scores


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    data = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
    if not data.is_dir():
        print(f"skipped: no data folder at {data}")
        return
    analyzer = Analyzer.for_brands((), DetectSettings(), AnalyzeSettings())
    rules = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment)
    vader = SentimentIntensityAnalyzer()

    def ours(texts: list[str]) -> list[object]:
        return analyzer.analyze_many([Item("", t) for t in texts], require_brand=False)  # type: ignore[return-value]

    complaints = rows(data / "complaints" / "dev.csv")
    texts = [r["text"] for r in complaints]
    gold = [r["complaint"] == "1" for r in complaints]
    a = ours(texts)
    s = binary_scores([x.negative for x in a], gold)  # type: ignore[attr-defined]
    b = binary_scores([vader.polarity_scores(t)["compound"] < 0 for t in texts], gold)
    print(
        f"complaints/dev.csv ({len(texts)}): macro-F1 {s.macro_f1:.3f} (P {s.precision:.3f} R {s.recall:.3f}); VADER<0 {b.macro_f1:.3f}"
    )
    flags = [x.negative for x in a]  # type: ignore[attr-defined]
    plain = [
        x.negative for x in rules.analyze_many([Item("", t) for t in texts], require_brand=False)
    ]
    order = list(range(len(texts)))
    random.Random(0).shuffle(order)
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    split = [binary_scores([flags[i] for i in h], [gold[i] for i in h]).macro_f1 for h in halves]
    print(f"  halves (random.Random(0)): macro-F1 {split[0]:.3f} and {split[1]:.3f}")
    directed = [i for i, r in enumerate(complaints) if not r["domain"].startswith("random")]
    for name, verdicts in (("shipped default", flags), ("rules alone", plain)):
        d = binary_scores([verdicts[i] for i in directed], [gold[i] for i in directed])
        whole = binary_scores(verdicts, gold).macro_f1
        print(
            f"  brand-directed rows ({len(directed)}), {name}: precision {d.precision:.3f} "
            f"recall {d.recall:.3f} (all rows macro-F1 {whole:.3f})"
        )

    tweets = rows(data / "es_tweets" / "dev.csv")
    texts = [r["text"] for r in tweets]
    a = ours(texts)
    neg = binary_scores([x.negative for x in a], [r["label"] == "negative" for r in tweets])  # type: ignore[attr-defined]
    pred3 = [x.tone or "neutral" for x in a]  # type: ignore[attr-defined]
    three = three_class_scores(pred3, [r["label"] for r in tweets])
    v3 = []
    for t in texts:
        c = vader.polarity_scores(t)["compound"]
        v3.append("negative" if c <= -0.05 else "positive" if c >= 0.05 else "neutral")
    vthree = three_class_scores(v3, [r["label"] for r in tweets])
    print(
        f"es_tweets/dev.csv ({len(texts)}): negative-vs-rest macro-F1 {neg.macro_f1:.3f}; 3-class macro-F1 {three.macro_f1:.3f}; VADER 3-class {vthree.macro_f1:.3f}"
    )

    reviews = [r for r in rows(data / "es_reviews" / "dev.csv") if r["label"] != "mixed"]
    texts = [r["text"] for r in reviews]
    a = ours(texts)
    correct = sum(
        x.negative == (r["label"] in ("neg", "strneg")) for x, r in zip(a, reviews, strict=True)
    )  # type: ignore[attr-defined]
    vcorrect = sum(
        (vader.polarity_scores(t)["compound"] < 0) == (r["label"] in ("neg", "strneg"))
        for t, r in zip(texts, reviews, strict=True)
    )
    print(
        f"es_reviews/dev.csv ({len(texts)} non-mixed): negative-vs-positive accuracy {correct / len(texts):.3f}; VADER<0 {vcorrect / len(texts):.3f}"
    )

    sample = rows(Path(__file__).resolve().parent / "data" / "aspects.csv")
    found = [
        analyzer.analyze_text("", r["text"], require_brand=False).aspect or "none" for r in sample
    ]
    truth = [r["aspect"] for r in sample]
    right = sum(f == t for f, t in zip(found, truth, strict=True))
    print(
        f"aspects, bench/data/aspects.csv ({len(sample)}, "
        f"{sum(r['language'] == 'es' for r in sample)} Spanish): accuracy {right / len(sample):.3f}"
    )
    for aspect in (*ASPECTS, "none"):
        said = [t for f, t in zip(found, truth, strict=True) if f == aspect]
        hits = sum(t == aspect for t in said)
        support = truth.count(aspect)
        precision = f"{hits / len(said):.3f}" if said else "-"
        print(
            f"  {aspect:15} precision {precision} ({hits}/{len(said)}), "
            f"recall {hits / support:.3f} ({hits}/{support})"
        )

    review = "Ordered a phone from Acme two weeks ago and it still has not arrived. Support keeps saying tomorrow. Really disappointed."
    blog = (review + " ") * 16
    for name, text, n in (
        ("review (~200 chars)", review[:200], 2000),
        ("blog (~2,000 chars)", blog[:2000], 300),
    ):
        ours_rates, vader_rates = [], []
        for _ in range(3):
            started = time.perf_counter()
            for _ in range(n):
                analyzer.analyze_text("", text, require_brand=False)
            ours_rates.append(n / (time.perf_counter() - started))
            started = time.perf_counter()
            for _ in range(n):
                vader.polarity_scores(text)
            vader_rates.append(n / (time.perf_counter() - started))
        o, v = statistics.median(ours_rates), statistics.median(vader_rates)
        print(f"speed, {name}: {o:.0f} mentions/s; VADER alone {v:.0f}/s; ratio {o / v:.2f}")
    # Real posts: the head is asked about those whose rules are unsure (an embedding each).
    texts = [r["text"] for r in complaints]
    rates, rule_rates = [], []
    for _ in range(3):
        started = time.perf_counter()
        analyzer.analyze_many([Item("", t) for t in texts], require_brand=False)
        rates.append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        rules.analyze_many([Item("", t) for t in texts], require_brand=False)
        rule_rates.append(len(texts) / (time.perf_counter() - started))
    o, r = statistics.median(rates), statistics.median(rule_rates)
    print(
        f"speed, complaints/dev.csv texts in one batch: {o:.0f} mentions/s; "
        f"rules alone {r:.0f}/s; ratio {o / r:.2f}"
    )


if __name__ == "__main__":
    main()
