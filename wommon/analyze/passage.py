"""The part of a mention that speaks of its brand: its title and the sentences that name
the brand, each with the sentence after it ("Acme charged me twice. Awful service."), or
the opening when no sentence names it. A long blog post mentions a brand in one paragraph;
judging it, or grouping it with a story, by the rest would judge the rest."""

from __future__ import annotations

import re

from wommon.analyze.sentiment import split_sentences
from wommon.analyze.text import fold

# How much of a text stands for it when no sentence names the brand.
FALLBACK_CHARS = 1000


def about_brand(title: str, text: str, brand: re.Pattern[str] | None) -> list[str]:
    """The title and the sentences about the brand whose names `brand` matches (folded)."""
    sentences = split_sentences(text)
    hits = [i for i, s in enumerate(sentences) if brand and brand.search(fold(s))]
    about = [
        sentences[i] for i in sorted({j for h in hits for j in (h, h + 1)}) if i < len(sentences)
    ]
    if not about:
        about = split_sentences(text[:FALLBACK_CHARS])
    if title:
        about.insert(0, title)
    return about
