"""Gated patterns: a pattern skipped for a text must be one that cannot match it, so the
complaint rules say exactly what running every pattern says."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wommon.analyze import complaint
from wommon.analyze.complaint import ComplaintScore, complaint_score
from wommon.analyze.gates import Starts, gated
from wommon.analyze.text import fold

TRAINING = Path(__file__).resolve().parents[2] / "training" / "data"


def _every_pattern_run(text: str, sentiment: float) -> ComplaintScore:
    """complaint_score as it was before gates: every pattern searched."""
    folded = fold(text).replace("\u2019", "'")
    total = complaint._BIAS + complaint._VADER_WEIGHT * sentiment
    cues = []
    for weight, rule in complaint._PATTERNS:
        match = rule.pattern.search(folded)
        if match:
            total += weight
            cues.append(match.group(0))
    for weight, rule in complaint._SOFT:
        if rule.pattern.search(folded):
            total += weight
    return ComplaintScore(1 / (1 + math.exp(-total)), tuple(cues), total)


@pytest.mark.parametrize(
    ("pattern", "heads"),
    [
        (r"\b(never|still (not|waiting))\b", {"nev", "sti"}),
        (r"^(how|can|is there)\b", {"how", "can", "is"}),
        # The engine's parser takes the common start out of the two ways: both open "no".
        (r"\bno (reply|answer)|\bnobody\b", {"no"}),
        (r"\bn[o']t (work|load)", {"n"}),
        (r"\bcobr\w* (dos veces|doble)", {"cob"}),
    ],
)
def test_a_pattern_is_gated_by_the_words_it_can_open_with(pattern: str, heads: set[str]) -> None:
    assert gated(re.compile(pattern)).heads == heads


@pytest.mark.parametrize(
    "pattern",
    [
        r"(never|still)",  # no word boundary: it matches inside words
        r"\b(third|\d+(st|nd|rd|th)) time",  # a way that opens with a digit class
        r"\b(foo|)bar",  # a way that opens with what follows the group
        r"\b(?i:never)",  # letters of either case
        r"(?i)\bnever",
        r"\b(?=x)xyz",  # a lookahead
        r"\b@\w+",  # not a word
    ],
)
def test_a_pattern_that_can_open_otherwise_always_runs(pattern: str) -> None:
    rule = gated(re.compile(pattern))
    assert rule.heads is None
    assert rule.search("", Starts("")) is None  # run, and found nothing


def test_a_gated_pattern_is_skipped_only_when_no_word_opens_like_it() -> None:
    rule = gated(re.compile(r"\bstill (waiting|no)\b"))
    assert rule.search("all fine here", Starts("all fine here")) is None
    text = "stillness, then still waiting"
    found = rule.search(text, Starts(text))
    assert found is not None and found.group(0) == "still waiting"


def _written_posts() -> list[str]:
    posts = []
    for path in sorted(TRAINING.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                posts.append(line.split("\t", 1)[1])
    return posts


def test_the_rules_say_the_same_on_every_written_post() -> None:
    posts = _written_posts()
    assert len(posts) > 1000
    for text in posts:
        for sentiment in (-0.6, 0.0, 0.5):
            assert complaint_score(text, sentiment) == _every_pattern_run(text, sentiment)


def test_the_rules_say_the_same_on_long_posts() -> None:
    """A long text is matched where its words open, not scanned: joined written posts
    (blog-length, every phrase of the tables somewhere among them) say the same."""
    posts = _written_posts()
    for size in (2, 7, 25):
        for first in range(0, len(posts) - size, size):
            text = " ".join(posts[first : first + size])
            assert complaint_score(text, -0.2) == _every_pattern_run(text, -0.2)


def test_a_long_text_is_tried_at_each_place_a_word_opens_like_the_pattern() -> None:
    text = "stillness and noise " * 10 + "then still no reply, still waiting"
    starts = Starts(text)
    rule = gated(re.compile(r"\bstill (waiting|no)\b"))
    assert starts.places(frozenset({"sti"})) == [m.start() for m in re.finditer(r"\bstill", text)]
    found = rule.search(text, starts)
    assert found is not None and (found.start(), found.group(0)) == (
        text.index("still no"),
        "still no",
    )


# Words and pieces the tables are made of, so that random posts hit their phrases, their
# near misses ("stillness", "noon") and the places gates look (starts of text, apostrophes).
_PIECES = [
    "still", "waiting", "never", "arrived", "no", "nobody", "reply", "3rd", "times", "twice",
    "charged", "double-charged", "overcharged", "hung up", "on hold", "can't", "won't",
    "doesn't", "didn't", "not", "work", "refund", "please", "help", "fix", "my", "order",
    "how", "why", "is", "there", "thank", "you", "thanks", "dm", "me", "colgaron", "sigo",
    "esperando", "sin", "respuesta", "no funciona", "cobraron", "dos veces", "otra vez",
    "tercera vez", "gracias", "stillness", "noon", "nobodys", "mycroft", "ignored",
    "rude", "hours", "ago", "customer service", "worst", "?", "!", ".", ",", "'", "\u2019",
    "@acme", "Acme", "TODAVÍA NO llegó", "Aún no", "É", "_", "9",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)),
        max_size=30,
    ),
    st.lists(st.sampled_from([" ", "", "  ", "\n"]), min_size=30, max_size=30),
    st.floats(-1.0, 1.0),
)
def test_the_rules_say_the_same_on_any_post(
    pieces: list[str], gaps: list[str], sentiment: float
) -> None:
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps, strict=False))
    assert complaint_score(text, sentiment) == _every_pattern_run(text, sentiment)
