"""The analysis itself, pure: a mention's text in, its brand, language, sentiment,
complaint score, aspect and negative-experience verdict out. The step that feeds it from
the database is step.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wommon.analyze.aspects import aspect_of
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.complaint import complaint_score
from wommon.analyze.language import SCORED, detect_language
from wommon.analyze.lexicon import spanish_score
from wommon.analyze.model import polarity
from wommon.analyze.sentiment import SentimentScorer, split_sentences
from wommon.analyze.text import fold
from wommon.config import BrandSettings, DetectSettings

_FALLBACK_CHARS = 1000


@dataclass(frozen=True)
class Analysis:
    brand: str | None
    language: str | None
    sentiment: float | None
    complaint: float | None
    aspect: str | None
    # Relevant to a watched brand (unless not required) AND (complaint OR clearly negative).
    negative: bool
    # negative, neutral or positive: the sentiment as a class, for 3-class evaluation.
    tone: str | None = None

    def columns(self) -> dict[str, object]:
        """The Mention columns this verdict sets (the step and a re-score write these)."""
        return {
            "brand": self.brand,
            "language": self.language,
            "complaint": self.complaint,
            "aspect": self.aspect,
            "sentiment": self.sentiment,
            "negative": self.negative,
        }


COMPLAINT_THRESHOLD = 0.5
# VADER's own neutral band.
NEUTRAL_BAND = 0.05
# Spanish: when the lexicon knows a word of the text, its compound weighs this much against
# the model's (it is the surer of the two on short sentences), and the blend is neutral
# within this band (the model's compound, from class probabilities, runs wider than VADER's).
SPANISH_LEXICON_SHARE = 0.6
SPANISH_NEUTRAL_BAND = 0.3


class Analyzer:
    def __init__(self, matcher: BrandMatcher, clearly_negative: float) -> None:
        self._matcher = matcher
        self._scorer = SentimentScorer()
        self._clearly_negative = clearly_negative

    @classmethod
    def for_brands(cls, brands: Sequence[BrandSettings], detect: DetectSettings) -> Analyzer:
        """The analyzer every run mode uses: these brands, detection's negative cut-off."""
        return cls(BrandMatcher(tuple(brands)), detect.negative_sentiment)

    def analyze_text(
        self,
        title: str,
        text: str,
        source_brand: str | None = None,
        *,
        require_brand: bool = True,
    ) -> Analysis:
        """Judge one mention. A source dedicated to a brand (its review feed, say) makes
        every entry about that brand even when the text never names it.

        English is scored with VADER, Spanish with the shipped multilingual model (VADER's
        lexicon is English) and a Spanish lexicon; both add the complaint layer. Any other
        language is recorded with its language and left unscored rather than scored
        wrongly."""
        brand = self._matcher.match(f"{title}\n{text}") or source_brand
        language = detect_language(f"{title}. {text}")
        if language not in SCORED:
            return Analysis(brand, language, None, None, None, False)
        about = self._about(title, text, brand)
        joined = " ".join(about)
        if language == "en":
            sentiment = self._scorer.score(about)
            clearly_negative = sentiment <= self._clearly_negative
            tone = (
                "negative"
                if sentiment <= -NEUTRAL_BAND
                else "positive"
                if sentiment >= NEUTRAL_BAND
                else "neutral"
            )
        else:
            sentiment, tone = _spanish(joined)
            clearly_negative = tone == "negative"
        complaint = complaint_score(joined, sentiment).probability
        bad = complaint >= COMPLAINT_THRESHOLD or clearly_negative
        negative = bad and (brand is not None or not require_brand)
        return Analysis(
            brand=brand,
            language=language,
            sentiment=round(sentiment, 4),
            complaint=round(complaint, 4),
            aspect=aspect_of(joined) if bad else None,
            negative=negative,
            tone="negative" if bad else tone,
        )

    def _about(self, title: str, text: str, brand: str | None) -> list[str]:
        """The title and the sentences about the brand (with the one after each: "Acme
        charged me twice. Awful service."), or the opening when none names it."""
        sentences = split_sentences(text)
        pattern = self._matcher.terms(brand) if brand else None
        hits = [i for i, s in enumerate(sentences) if pattern and pattern.search(fold(s))]
        about = [
            sentences[i]
            for i in sorted({j for h in hits for j in (h, h + 1)})
            if i < len(sentences)
        ]
        if not about:
            about = split_sentences(text[:_FALLBACK_CHARS])
        if title:
            about.insert(0, title)
        return about


def _spanish(text: str) -> tuple[float, str]:
    """Sentiment and tone of a Spanish text: the model's, blended with the lexicon's when
    the text has one of its words."""
    (found,) = polarity([text])
    words = spanish_score(text)
    if not words.hits:
        return found.compound, found.label
    blend = (1 - SPANISH_LEXICON_SHARE) * found.compound + SPANISH_LEXICON_SHARE * words.compound
    tone = (
        "negative"
        if blend <= -SPANISH_NEUTRAL_BAND
        else "positive"
        if blend >= SPANISH_NEUTRAL_BAND
        else "neutral"
    )
    return blend, tone
