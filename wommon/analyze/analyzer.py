"""The analysis itself, pure: a mention's text in, its brand, language, sentiment,
complaint score, aspect and negative-experience verdict out. The step that feeds it from
the database is step.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wommon.analyze import head, model
from wommon.analyze.aspects import aspect_of
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.complaint import ComplaintScore, complaint_score
from wommon.analyze.embed import DIMENSIONS, Vector, embed
from wommon.analyze.features import FEATURES, cue_features
from wommon.analyze.head import Head, Task
from wommon.analyze.language import SCORED, detect_language
from wommon.analyze.lexicon import spanish_score
from wommon.analyze.passage import about_brand
from wommon.analyze.sentiment import SentimentScorer
from wommon.config import AnalyzeSettings, BrandSettings, DetectSettings


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


@dataclass(frozen=True)
class Item:
    """One mention to judge. A source dedicated to a brand (its review feed, say) makes
    every entry about that brand even when the text never names it."""

    title: str
    text: str
    source_brand: str | None = None


@dataclass
class _Draft:
    """A verdict under way: what the rules found, before the head (if any) has spoken."""

    brand: str | None
    language: str
    joined: str
    sentiment: float = 0.0
    tone: str = "neutral"
    clearly_negative: bool = False
    vector: Vector | None = None
    _rule: ComplaintScore | None = None

    @property
    def rule(self) -> ComplaintScore:
        """The rules' score, once the sentiment is known (computed once)."""
        if self._rule is None:
            self._rule = complaint_score(self.joined, self.sentiment)
        return self._rule


class Analyzer:
    def __init__(
        self,
        matcher: BrandMatcher,
        clearly_negative: float,
        complaint_head: Head | None = None,
        sentiment_head: Head | None = None,
        spanish: model.SentimentModel | None = None,
    ) -> None:
        self._matcher = matcher
        self._spanish_model = spanish or model.shipped()
        self._scorer = SentimentScorer()
        self._clearly_negative = clearly_negative
        self._complaint_head = complaint_head
        self._sentiment_head = sentiment_head

    @classmethod
    def for_brands(
        cls,
        brands: Sequence[BrandSettings],
        detect: DetectSettings,
        analyze: AnalyzeSettings | None = None,
    ) -> Analyzer:
        """The analyzer every run mode uses: these brands, detection's negative cut-off,
        the shipped complaint head, or the deployment's own model when one is configured
        (ModelError when it cannot be read)."""
        own = head.load(analyze.model) if analyze and analyze.model else None
        complaint = own if own and own.task == Task.COMPLAINT else head.shipped()
        sentiment = own if own and own.task == Task.SENTIMENT3 else None
        return cls(BrandMatcher(tuple(brands)), detect.negative_sentiment, complaint, sentiment)

    def analyze_text(
        self,
        title: str,
        text: str,
        source_brand: str | None = None,
        *,
        require_brand: bool = True,
    ) -> Analysis:
        """Judge one mention (analyze_many judges a batch faster)."""
        return self.analyze_many([Item(title, text, source_brand)], require_brand=require_brand)[0]

    def analyze_many(self, items: Sequence[Item], *, require_brand: bool = True) -> list[Analysis]:
        """Judge a batch of mentions.

        English is scored with VADER, Spanish with the shipped multilingual model (VADER's
        lexicon is English) and a Spanish lexicon; both add the complaint rules, and the
        trained head weighs the rules' verdict with the text's embedding, computed once
        per batch for the texts that need it. Any other language is recorded with its
        language and left unscored rather than scored wrongly."""
        drafts: list[_Draft | Analysis] = [self._draft(i) for i in items]
        self._embed(
            [
                d
                for d in drafts
                if isinstance(d, _Draft)
                and (d.language == "es" or self._wants_head(d, require_brand))
            ]
        )
        return [d if isinstance(d, Analysis) else self._verdict(d, require_brand) for d in drafts]

    def inputs(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """What a head reads for each text (cue features and embedding), as analysis
        computes them: the rows `wommon train` fits on. Unscored languages get zeros."""
        drafts = [self._draft(Item("", t)) for t in texts]
        scored = [d for d in drafts if isinstance(d, _Draft)]
        self._embed(scored)
        rows = np.zeros((len(texts), len(FEATURES) + DIMENSIONS), dtype=np.float32)
        for i, d in enumerate(drafts):
            if isinstance(d, _Draft):
                rows[i] = self._row(d, d.rule)
        return rows

    def _draft(self, item: Item) -> _Draft | Analysis:
        brand = self._matcher.match(f"{item.title}\n{item.text}") or item.source_brand
        language = detect_language(f"{item.title}. {item.text}")
        if language not in SCORED:
            return Analysis(brand, language, None, None, None, False)
        about = self._about(item.title, item.text, brand)
        draft = _Draft(brand, language, " ".join(about))
        if language == "en":
            draft.sentiment = self._scorer.score(about)
            draft.clearly_negative = draft.sentiment <= self._clearly_negative
            draft.tone = (
                "negative"
                if draft.sentiment <= -NEUTRAL_BAND
                else "positive"
                if draft.sentiment >= NEUTRAL_BAND
                else "neutral"
            )
        return draft

    def _wants_head(self, draft: _Draft, require_brand: bool) -> bool:
        """Only a mention that can count needs the embedding: one about a watched brand
        (or any, when relevance is not required) whose rules are not already sure."""
        if draft.brand is None and require_brand:
            return False
        if self._sentiment_head is not None:
            return True
        found = self._complaint_head
        if found is None:
            return False
        return found.judges(draft.language, draft.rule.probability)

    def _embed(self, drafts: Sequence[_Draft]) -> None:
        vectors = embed([d.joined for d in drafts])
        for d, vector in zip(drafts, vectors, strict=True):
            d.vector = vector
            if d.language == "es":
                d.sentiment, d.tone = self._spanish(d.joined, vector)
                d.clearly_negative = d.tone == "negative"

    def _spanish(self, text: str, vector: Vector) -> tuple[float, str]:
        """Sentiment and tone of a Spanish text: the model's, blended with the lexicon's
        when the text has one of its words."""
        (found,) = self._spanish_model.polarity_of(vector[None, :])
        words = spanish_score(text)
        if not words.hits:
            return found.compound, found.label
        share = SPANISH_LEXICON_SHARE
        blend = (1 - share) * found.compound + share * words.compound
        tone = (
            "negative"
            if blend <= -SPANISH_NEUTRAL_BAND
            else "positive"
            if blend >= SPANISH_NEUTRAL_BAND
            else "neutral"
        )
        return blend, tone

    def _row(self, draft: _Draft, rule: ComplaintScore) -> npt.NDArray[np.float32]:
        assert draft.vector is not None
        return np.concatenate([cue_features(draft.joined, draft.sentiment, rule), draft.vector])

    def _about(self, title: str, text: str, brand: str | None) -> list[str]:
        return about_brand(title, text, self._matcher.terms(brand) if brand else None)

    def _verdict(self, draft: _Draft, require_brand: bool) -> Analysis:
        rule = draft.rule
        complaint = rule.probability
        clearly_negative, tone = draft.clearly_negative, draft.tone
        bad = complaint >= COMPLAINT_THRESHOLD or clearly_negative
        if draft.vector is not None and (draft.brand is not None or not require_brand):
            row = self._row(draft, rule)[None, :]
            if self._sentiment_head is not None:
                probs = self._sentiment_head.probabilities(row)[0]
                tone = self._sentiment_head.classes[int(probs.argmax())]
                clearly_negative = tone == "negative"
                bad = complaint >= COMPLAINT_THRESHOLD or clearly_negative
            found = self._complaint_head
            if found is not None and found.judges(draft.language, rule.probability):
                complaint = float(found.probabilities(row)[0])
                # What the rules found (a complaint, or clearly negative) stands unless the
                # head is sure it is not one: a bad day, a passing mention, a question.
                bad = complaint >= found.threshold or (
                    not found.alone and bad and complaint >= found.veto
                )
        negative = bad and (draft.brand is not None or not require_brand)
        return Analysis(
            brand=draft.brand,
            language=draft.language,
            sentiment=round(draft.sentiment, 4),
            complaint=round(complaint, 4),
            aspect=aspect_of(draft.joined) if bad else None,
            negative=negative,
            tone="negative" if bad else tone,
        )
