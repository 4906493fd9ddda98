"""Train the complaint head shipped as wommon/analyze/complaint_head.npz.

Logistic regression over what analysis computes for a text (the rules' verdict, the cue
features of wommon/analyze/features.py and the multilingual embedding), fitted only on
data whose licence allows shipping what is learnt from it:

- training/data/complaints_en.txt and complaints_es.txt: 728 English and Spanish posts
  written for wommon (complaints with and without a handle, support requests that report
  a fault, irony, loud short complaints, questions, replies, praise and news addressed to
  brands, bad days that are nobody's fault), with invented brands;
- VADER's human-rated tweets (Hutto & Gilbert, ICWSM 2014; MIT) rated above -1.5 as
  non-complaints: everyday posts, mostly about life, not companies.

Two numbers are tuned, not learnt, on a labelled set of complaints (`--tune`, default
complaints/dev.csv): the head's own threshold, and the probability below which it
overrules a complaint the rules found. Nothing else is taken from data that may not be
redistributed.

    python training/train_complaint.py [DATA_DIR] [--check]   # default ../shared/data
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from inputs import ROOT, arguments, halves, rows

sys.path.insert(0, str(ROOT))

from wommon.analyze.analyzer import Analyzer, Item
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.fitting import fit
from wommon.analyze.head import SHIPPED, Head, Task
from wommon.config import DetectSettings
from wommon.runs.evaluation import binary_scores

OUT = ROOT / "wommon" / "analyze" / SHIPPED
WRITTEN = ("complaints_en.txt", "complaints_es.txt")
VADER_NON_COMPLAINT_ABOVE = -1.5
# Above 0.7 the rules are trusted as they are: the head, taught on few posts, would
# otherwise overrule plain complaints about subjects it never saw (news, politics).
SURE_BELOW, SURE_ABOVE = 0.1, 0.7
# Spanish posts teach it, but it judges English only: 191 written Spanish posts are too
# few to overrule the Spanish sentiment model (it lost 0.02 macro-F1 on Spanish tweets).
LANGUAGES = ("en",)
# The written posts are clean and few: out-of-fold on them prefers a weak penalty that
# does not carry over to real posts; a firmer one does.
STRENGTHS = (0.3,)


def written(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs from a LABEL<TAB>TEXT file, comments skipped."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            pairs.append((text, "complaint" if label == "1" else "other"))
    return pairs


def main() -> None:
    args = arguments(
        __doc__.splitlines()[0],
        check="also print out-of-sample figures: the cut-offs tuned on each half of "
        "complaints/dev.csv (random.Random(0)) and scored on the other",
    )
    data = args.data
    own = [pair for name in WRITTEN for pair in written(ROOT / "training" / "data" / name)]
    vader = [
        (r["text"], "other")
        for r in rows(data / "vader_gt" / "tweets.csv")
        if float(r["mean_rating"]) > VADER_NON_COMPLAINT_ABOVE
    ]
    analyzer = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment)
    texts = [t for t, _ in own + vader]
    fitted = fit(
        analyzer.inputs(texts),
        [label for _, label in own + vader],
        Task.COMPLAINT,
        strengths=STRENGTHS,
        trained_on=f"{len(own)} posts written for wommon (training/data), "
        f"{len(vader)} VADER tweets (MIT) as non-complaints",
    )
    print(
        f"C={fitted.strength}: out-of-fold macro-F1 {fitted.cv_macro_f1:.3f} on {len(texts)} rows"
    )
    head = Head(
        task=Task.COMPLAINT,
        weights=fitted.head.weights,
        bias=fitted.head.bias,
        trained_on=fitted.head.trained_on,
        figures=fitted.head.figures,
        sure_below=SURE_BELOW,
        sure_above=SURE_ABOVE,
        languages=LANGUAGES,
    )
    tune = data / "complaints" / "dev.csv"
    if tune.exists():
        labelled = rows(tune)
        if args.check:
            _check(head, analyzer, labelled)
        head = _tuned(head, analyzer, labelled)
        print(f"threshold {head.threshold}, veto {head.veto}: tuned on {tune}")
    head.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


def _tuned(head: Head, analyzer: Analyzer, labelled: list[dict[str, str]]) -> Head:
    """The (threshold, veto) pair with the best macro-F1 on the labelled rows: what the
    rules said (the head never overruling), the head's probability and whether it was
    asked are computed once, and the pairs are tried on those."""
    texts = [r["text"] for r in labelled]
    gold = np.array([r["complaint"] == "1" for r in labelled])
    inputs = analyzer.inputs(texts)
    p = head.probabilities(inputs)
    rule_p = 1 / (1 + np.exp(-2 * inputs[:, 0]))
    asked = (rule_p > head.sure_below) & (rule_p < head.sure_above)
    asked &= np.array([language in head.languages for language in _languages(texts)])

    quiet = Head(**{**head.__dict__, "threshold": 2.0, "veto": 0.0})
    judged = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment, quiet)
    # What the rules said, the head never overruling them.
    rule_bad = np.array(
        [a.negative for a in judged.analyze_many([Item("", t) for t in texts], require_brand=False)]
    )
    grid = [round(float(x), 2) for x in np.arange(0.3, 0.96, 0.05)]
    best: tuple[float, float, float] | None = None
    for threshold, veto in itertools.product(grid, grid):
        if veto > threshold:
            continue
        flags = np.where(asked, (p >= threshold) | (rule_bad & (p >= veto)), rule_bad)
        score = binary_scores(list(flags), list(gold)).macro_f1
        if best is None or score > best[0]:
            best = (score, threshold, veto)
    assert best is not None
    return Head(**{**head.__dict__, "threshold": best[1], "veto": best[2]})


def _check(head: Head, analyzer: Analyzer, labelled: list[dict[str, str]]) -> None:
    """Macro-F1, and precision and recall on the rows addressed to a company (domain not
    random_*), of each half with the cut-offs tuned on the other."""
    split = [[labelled[i] for i in half] for half in halves(len(labelled))]
    for k, name in enumerate("AB"):
        tuned = _tuned(head, analyzer, split[1 - k])
        judged = Analyzer(BrandMatcher(()), DetectSettings().negative_sentiment, tuned)
        scored = split[k]
        flags = [
            a.negative
            for a in judged.analyze_many([Item("", r["text"]) for r in scored], require_brand=False)
        ]
        gold = [r["complaint"] == "1" for r in scored]
        addressed = [i for i, r in enumerate(scored) if not r["domain"].startswith("random")]
        whole = binary_scores(flags, gold)
        brand = binary_scores([flags[i] for i in addressed], [gold[i] for i in addressed])
        print(
            f"half {name}, cut-offs tuned on the other ({tuned.threshold}, {tuned.veto}): "
            f"macro-F1 {whole.macro_f1:.3f}; addressed rows precision {brand.precision:.3f} "
            f"recall {brand.recall:.3f}"
        )


def _languages(texts: list[str]) -> list[str | None]:
    from wommon.analyze.language import detect_language

    return [detect_language(t) for t in texts]


if __name__ == "__main__":
    main()
