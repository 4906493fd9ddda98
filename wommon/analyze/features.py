"""What a trained head reads beside the embedding: the rule layer's verdict and a few
signs that a post is *addressed to a company about the writer's own case* ("@acme my order
still hasn't arrived") rather than a passing mention in a post about life. The rules
already find the situation; these tell a complaint from a bad day.

Every feature is cheap (a few regular expressions on the folded text), bounded, and the
same in English and Spanish.
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt

from wommon.analyze.complaint import ComplaintScore
from wommon.analyze.text import fold

_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_SECOND_PERSON = re.compile(
    r"\b(you|your|yours|you'?re|you'?ve|u|ur|y'?all|tu|tus|te|ti|usted|ustedes|os|"
    r"vosotros|vuestr[oa]s?|habeis|teneis|podeis|sois|estais)\b"
)
_FIRST_PERSON = re.compile(
    r"\b(i|i'?m|i'?ve|i'?d|my|me|mine|we|our|us|mi|mis|yo|nos|nuestr[oa]s?)\b"
)
_SERVICE = re.compile(
    r"\b(order|orders|account|service|delivery|delivered|refund|bill|billing|charged?|"
    r"customer|support|package|parcel|flight|booking|reservation|subscription|warranty|"
    r"repair|engineer|technician|agent|helpline|claim|pedido|cuenta|servicio|entrega|"
    r"factura|cobr\w+|reembolso|paquete|vuelo|reserva|suscripcion|garantia|tecnico|"
    r"reclamacion|atencion)\b"
)
_NEGATION = re.compile(
    r"\b(not|no|never|nothing|nobody|none|n't|cannot|can't|won't|don't|didn't|doesn't|"
    r"isn't|wasn't|haven't|hasn't|nunca|nada|nadie|ningun\w*|sin|ni)\b|n't\b"
)
_PRAISE = re.compile(
    r"\b(thanks?|thank you|thx|cheers|love|loving|great|awesome|amazing|excellent|perfect|"
    r"brilliant|wonderful|impressed|gracias|genial|encanta|excelente|perfecto|maravillos\w*|"
    r"increible|buenisim\w*)\b"
)
_NEWS = re.compile(
    r"\b(announces?|launch(es)?|unveils?|reports?|opens?|hiring|confirms?|invests?|"
    r"anuncia|presenta|abre|confirma|contratara|lanza)\b"
)

FEATURES = (
    "rule_logit",
    "sentiment",
    "cues",
    "addresses_account",
    "second_person",
    "first_person",
    "service_words",
    "negations",
    "praise",
    "news_verb",
    "question",
    "exclamation",
    "length",
)


def cue_features(text: str, sentiment: float, rule: ComplaintScore) -> npt.NDArray[np.float32]:
    """The features above for one text, in that order, each roughly in [-3, 3]."""
    folded = fold(text).replace("\u2019", "'")
    return np.array(
        [
            max(-6.0, min(6.0, rule.logit)) / 2,
            sentiment,
            min(len(rule.cues), 5) / 2,
            1.0 if _HANDLE.search(text) else 0.0,
            min(len(_SECOND_PERSON.findall(folded)), 3) / 2,
            min(len(_FIRST_PERSON.findall(folded)), 4) / 2,
            min(len(_SERVICE.findall(folded)), 3) / 2,
            min(len(_NEGATION.findall(folded)), 3) / 2,
            min(len(_PRAISE.findall(folded)), 2) / 2,
            1.0 if _NEWS.search(folded) else 0.0,
            1.0 if "?" in text else 0.0,
            1.0 if "!" in text else 0.0,
            math.log1p(len(text)) / 4,
        ],
        dtype=np.float32,
    )
