"""Complaints that carry no sentiment word: "still waiting for my refund", "third time I
call", "never arrived", "charged twice", "me colgaron el teléfono".

VADER scores the feeling; this scores the *situation*: a promise not kept, a problem
reported, help that did not come. Each pattern is a phrase family with a weight; the score
is squashed into a probability together with VADER's compound, and a few cues pull it
down (a plain question, thanks, praise). English and Spanish.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from wommon.analyze.gates import Gated, gated, word_starts
from wommon.analyze.text import fold

_EN = [
    # the promise not kept
    (
        2.0,
        r"\b(never|still (not|hasn'?t|haven'?t)|has ?n[o']t|did ?n[o']t|not yet) (arriv|receiv|deliver|show|come|came|got|get|ship|fix|refund|respond|repl|answer|call)\w*",
    ),
    (
        2.0,
        r"\b(charged|billed|debited) (me )?(twice|double|two times|again)|\bdouble[- ]charged\b|\bovercharg\w*",
    ),
    (1.6, r"\bstill (waiting|no|not|have ?n[o']t|can'?t|broken|down|nothing)\b"),
    (
        1.4,
        r"\b(no|zero|without any) (reply|response|answer|update|refund|help|one|service|signal|power|internet|wifi)\b|\bnobody\b|\bno one\b",
    ),
    (
        1.5,
        r"\b(third|fourth|fifth|\d+(st|nd|rd|th)|several|multiple|many) times?\b|\b(twice|again and again|over and over)\b",
    ),
    (
        1.3,
        r"\b(not|n[o']t|never|stopped|stop|won'?t|can'?t|cannot|unable to|fails? to|failed to) (work|load|open|connect|log ?in|sign ?in|access|charge|print|sync|update|play|send|arrive)\w*",
    ),
    (
        1.2,
        r"\b(issues?|problems?|errors?|bugs?|glitch\w*|outage|crash\w*|broken|faulty|defective|damaged|missing|wrong|lost|stolen|delay\w*|late|cancel+ed|overdue)\b",
    ),
    (1.2, r"\b(refund|money back|compensation|reimburs\w*|chargeback)\b"),
    # how people were treated, and the state of the place: staff, empathy, tangibles
    (
        1.3,
        r"\b(rude|yell(ed|ing)|shout(ed|ing)|incompetent|unprofessional|condescending|hung up|laughed at|rolled (her|his|their) eyes|filthy|dirty|smelly|smelled|unusable|out of order|rusty|nightmare|ignor(es|ed|ing)|inflexible)\b|\brefus(ed|es|ing) to\b|\b(won'?t|would ?n[o']t|did ?n[o']t|do ?n[o']t|does ?n[o']t) (listen|care|help|budge)\w*|\btreated (me|us) like\b|\b(broke|broken) (again|down)\b|\bsupposed to\b|\bwithout (asking|notice|warning)\b|\bnever (ordered|did|called)\b",
    ),
    (1.0, r"\b(hung up|on hold|put me on hold|transferred|waited|waiting|wait time|queue)\b"),
    (
        1.0,
        r"\b(worst|terrible|awful|horrible|useless|pathetic|ridiculous|unacceptable|disgrace\w*|shameful|appalling|rubbish|joke)\b",
    ),
    (
        0.8,
        r"\b(why (is|are|does|do|did|can'?t|won'?t|isn'?t)|what happened|how (long|many more|hard)|seriously)\b",
    ),
    (
        0.7,
        r"\b(fix (this|it)|sort (this|it) out|take action|look into|do something|get back to me)\b",
    ),
    (0.6, r"\b(hours?|days?|weeks?|months?) (now|later|ago|and|without|of)\b"),
    (
        0.5,
        r"\b(customer service|support|complain\w*|disappoint\w*|frustrat\w*|annoy\w*|angry|fed up|sick of)\b",
    ),
    (0.6, r"\b(please|pls|plz) (help|fix|respond|reply|advise|sort|check|look)\b"),
    (
        0.6,
        r"\bmy (order|package|parcel|account|bill|phone|internet|connection|flight|bag|luggage|card|refund|delivery|booking|claim|car|tv|service)\b",
    ),
    (
        0.5,
        r"\b(does ?n[o']t|did ?n[o']t|is ?n[o']t|was ?n[o']t|are ?n[o']t|won'?t|can'?t|could ?n[o']t)\b",
    ),
]
_ES = [
    (
        2.0,
        r"\b(nunca|todavia no|aun no|sigue sin|siguen sin) (llego|llega|llegaron|recibi|han|me|contest|respond|devuelt|arregl)\w*",
    ),
    (2.0, r"\b(cobr\w*|factur\w*) (dos veces|doble|de mas)|\bcobro (duplicado|doble)\b"),
    (1.6, r"\b(sigo|seguimos|llevo|llevamos) (esperando|sin)\b"),
    (
        1.4,
        r"\b(me|nos) (colgaron|colgo|cuelgan|ignoran|ignoraron)\b|\bnadie\b[^.!?]{0,40}\b(contesta|responde|atiende|ayuda)\b",
    ),
    (1.4, r"\bsin (respuesta|servicio|senal|luz|internet|reembolso|solucion)\b"),
    (1.3, r"\bno (funciona|va|carga|llega|llego|contestan|responden|atienden|me dejan|puedo)\b"),
    (
        1.2,
        r"\b(problemas?|averia|error|fallo|roto|rota|danad\w*|retras\w*|cancelad\w*|perdid\w*|equivocad\w*)\b",
    ),
    (1.2, r"\b(reembolso|devolucion|devuelvan|reclamacion|reclamar|denuncia\w*)\b"),
    (
        1.3,
        r"\b(groser[oa]s?|maleducad[oa]s?|borde|incompetentes?|poco profesional|me grit\w*|se rio|se rieron|suci[oa]s?|no funcionaba|defectuos[oa]s?|se rompio|mal hecha?|ignoran|inflexibles?)\b|\bse negaron\b|\bno (escuch|les importa)\w*|\bme trataron como\b|\bsin avisar\b|\bnadie sabe\b|\bmas car[oa]\b",
    ),
    (
        1.0,
        r"\b(pesim\w*|fatal|horrible|vergonzoso|verguenza|lamentable|penoso|nefasto|desastre|timo|estafa\w*)\b",
    ),
    (0.8, r"\b(otra vez|de nuevo|varias veces|(tercera|cuarta|quinta) vez)\b"),
    (
        0.5,
        r"\b(atencion al cliente|servicio tecnico|harto|harta|hartos|indignad\w*|decepcion\w*)\b",
    ),
]
_SOFTEN = [
    (-1.2, r"^(how|can|could|where|what|is there|do you|does|when|who)\b[^.!]*\?\s*$"),
    (
        -1.4,
        r"\b(thank(s| you)|thx|love|great|awesome|amazing|excellent|perfect|gracias|genial|encanta|excelente)\b",
    ),
    (-0.8, r"\b(please dm|dm me|dm us|follow back)\b"),
]
# Centred so that a probability of 0.5 is the decision: no cue and neutral sentiment is
# about 0.4.
_BIAS = -0.38
_VADER_WEIGHT = -1.6  # compound -1 adds 1.6, +1 takes it away


def _compile(table: list[tuple[float, str]]) -> list[tuple[float, Gated]]:
    return [(w, gated(re.compile(p))) for w, p in table]


# Both languages for every text: people switch between them mid-post ("Acme me colgó
# again, third time I call"), and neither table fires on the other language's words.
_PATTERNS = _compile(_EN) + _compile(_ES)
_SOFT = _compile(_SOFTEN)


@dataclass(frozen=True)
class ComplaintScore:
    probability: float
    cues: tuple[str, ...]
    # The score before squashing: what a trained head weighs, unbounded.
    logit: float = 0.0


def complaint_score(text: str, sentiment: float) -> ComplaintScore:
    """Probability that `text` reports a bad experience, and the cues that said so."""
    folded = fold(text).replace("\u2019", "'")
    starts = word_starts(folded)
    total = _BIAS + _VADER_WEIGHT * sentiment
    cues = []
    for weight, pattern in _PATTERNS:
        match = pattern.search(folded, starts)
        if match:
            total += weight
            cues.append(match.group(0))
    for weight, pattern in _SOFT:
        if pattern.search(folded, starts):
            total += weight
    return ComplaintScore(1 / (1 + math.exp(-total)), tuple(cues), total)
