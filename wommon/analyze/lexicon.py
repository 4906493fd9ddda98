"""Spanish sentiment words, VADER's way: a valence per word, boosted by "muy", turned over
by a negation just before ("no es limpio", "poco amable"), weighed by which side of a
"pero" it stands, summed and squashed into [-1, 1]. Laughter counts as VADER's "haha".

The shipped model (`model.py`) reads the whole sentence but misjudges short ones ("Buen
hotel" came out slightly negative, "Hotel de pésima calidad" positive): a sentence that
carries one of these words is judged by the word as much as by the model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from wommon.analyze.text import fold

_WORD = re.compile(r"[^\W\d_]+")
# "jaja", "jajajaj", "jejeje", "jsjs", "xd": laughter of any length.
_LAUGHTER = re.compile(r"a?(?:ja|je|ji){2,}j?|(?:js){2,}j?|x+d+")
_LAUGH = 2.0  # VADER's "haha"
# "no", "nunca", "ni"... within three words before: "no es limpio" is not clean.
_NEGATIONS = frozenset("no nunca ni sin jamas tampoco nada".split())  # noqa: SIM905
_NEGATION_SCOPE = 3
# VADER's own constants: a negation scales by -0.74; compound = s / sqrt(s^2 + 15).
_NEGATION = -0.74
_ALPHA = 15.0
_BOOSTERS = {
    "muy": 0.3,
    "super": 0.3,
    "demasiado": 0.3,
    "totalmente": 0.3,
    "realmente": 0.2,
    "tan": 0.2,
    "mas": 0.2,
    "bastante": 0.15,
}


@dataclass(frozen=True)
class LexiconScore:
    compound: float
    # How many lexicon words the text has: none means the lexicon has no opinion.
    hits: int


@cache
def _valences() -> dict[str, float]:
    text = resources.files("wommon.analyze").joinpath("es_lexicon.tsv").read_text("utf-8")
    valences = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, valence = line.split("\t")
            valences[word] = float(valence)
    return valences


@cache
def spanish_only_words() -> frozenset[str]:
    """The lexicon's words that are not also English words VADER rates ("horrible",
    "terrible", "error"): a sign that a short text is Spanish."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    english = SentimentIntensityAnalyzer().lexicon
    return frozenset(w for w in _valences() if w not in english)


def _valence(valences: dict[str, float], word: str) -> float | None:
    """The valence of `word` or, when the lexicon lists it in the singular, of that:
    "incomodas" is "incomoda", "sucios" is "sucio", "deplorables" is "deplorable". Laughter
    in any length ("jajaja", "jejeje", "xd") is "jaja", as VADER rates "haha"."""
    found = valences.get(word)
    if found is not None:
        return found
    if word[0] in "ajx" and _LAUGHTER.fullmatch(word):
        return _LAUGH
    if len(word) < 4 or word[-1] != "s":
        return None
    found = valences.get(word[:-1])
    return found if found is not None or word[-2] != "e" else valences.get(word[:-2])


def spanish_score(text: str) -> LexiconScore:
    valences = _valences()
    words = _WORD.findall(fold(text))
    # VADER's "but": what follows "pero" counts half again, what precedes it half.
    turn = words.index("pero") if "pero" in words else -1
    total, hits = 0.0, 0
    for i, word in enumerate(words):
        valence = _valence(valences, word)
        if valence is None:
            continue
        hits += 1
        if turn >= 0:
            valence *= 0.5 if i < turn else 1.5
        if i and words[i - 1] in _BOOSTERS:
            valence *= 1 + _BOOSTERS[words[i - 1]]
        if any(w in _NEGATIONS for w in words[max(0, i - _NEGATION_SCOPE) : i]) or (
            i and words[i - 1] == "poco" and (i < 2 or words[i - 2] != "un")
        ):
            valence *= _NEGATION
        total += valence
    return LexiconScore(total / math.sqrt(total * total + _ALPHA) if hits else 0.0, hits)
