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

from wommon.analyze.gates import Gated, Starts, gated
from wommon.analyze.text import fold

_EN = [
    # the promise not kept
    (
        2.0,
        r"\b(never|still (not|hasn'?t|haven'?t)|(has|have) ?n[o']t( yet)?|did ?n[o']t|not yet) (arriv|receiv|deliver|show|come|came|got|get|ship|fix|refund|respond|repl|answer|call)\w*",
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
        r"\b(not|n[o']t|never|stopped|stop|won'?t|can'?t|cannot|unable to|not able to|fails? to|failed to|(will|would|does|did|do|is|are) ?n[o']t) (work|load|open|connect|log ?in|sign ?in|access|charge|print|sync|update|play|send|arrive|turn on|start|boot|let(ting)? (me|us)|allow(ing)? (me|us)|pair|stream|download|install)\w*",
    ),
    # the customer kept from using what they paid for
    (
        1.3,
        r"\b(not able to|unable to|can'?t|cannot|could ?n[o']t) (use|view|watch|hear|pay|book|check ?in|redeem|reach|contact)\b",
    ),
    # the thing itself failing: down, slow, broken apart, gone
    (
        1.2,
        r"\b(is|are|been|still) (down|offline)\b|\b(power|internet|wifi|services?|signal|connection|network|sites?|websites?|apps?|servers?|systems?) (is |are |was |were |has been |have been |went |keeps going )?(down|out|offline)\b|\b(is|are) (the |your |my )?(apps?|sites?|websites?|servers?|systems?|services?|lines?|internet|wifi|network) (down|offline)\b|\boutages?\b|\bdown (since|again|all (day|night|morning|evening|weekend))\b",
    ),
    (
        1.0,
        r"\b(so|too|very|really|super|painfully|extremely) slow\b|\bslow(est)? (internet|wifi|connection|speeds?|service|performance|delivery|response|loading)\b",
    ),
    (
        1.2,
        r"\b(stopped|stops|keeps?|kept) (working|running|crashing|freezing|dropping|disconnecting|turning off|shutting down|restarting|rebooting)\b|\b(falling|fell|came|coming) apart\b|\b(disappeared|vanished)\b|\b(powering|turning|shutting) (off|down) on (its|it's) own\b",
    ),
    (
        1.0,
        r"\b(expired|stale|rotten|mou?ldy|undercooked|soggy|stinks|inedible|disgusting|gross|nasty|unsafe|dangerous)\b",
    ),
    # no answer from the company
    (
        1.3,
        r"\b(have ?n[o']t|has ?n[o']t|not|never|still not) (heard|had) (back|anything|a (reply|response|call|word))\b|\bstill (got|get|getting|heard) nothing\b",
    ),
    # money taken, trust broken, something taken away
    (
        1.2,
        r"\b(scam\w*|rip(ping|ped)? (me|us|people|customers) off|rip-?off|fraud\w*|let(ting)? (me|us) down|lied|lying|misleading|false advertising)\b",
    ),
    (
        1.0,
        r"\b(price (increase|hike|rise)|prices? (went|go|going) up|overpriced|too expensive|so expensive|discontinu\w*|(got|get|getting) rid of|out of stock|sold out|restock\w*|back in stock)\b",
    ),
    # the customer leaving
    (
        1.3,
        r"\b(never (again|buying|using|flying|shopping|ordering)|last time i (buy|use|fly|shop|order)|take my (business|money) elsewhere|find (another|a new) (brand|provider|company|bank|airline|carrier)|(won'?t|will not|never) be (buying|using|flying|shopping|ordering|back)|cancel(l?ing)? my (account|subscription|contract|membership|service))\b",
    ),
    # thanks that are not: "thanks for ruining my morning"
    (
        2.4,
        r"\b(thanks?|thank you)( so much| a lot)?( @\w+)? for (ruining|nothing|wasting|ignoring|making me|leaving me|the (lack|delay|wait))|\blove (it )?when\b",
    ),
    (
        1.2,
        r"\b(issues?|problems?|errors?|bugs?|glitch\w*|outage|crash\w*|broken|faulty|defective|damaged|missing|wrong|lost|stolen|delay\w*|late|cancel+ed|overdue)\b",
    ),
    (1.2, r"\b(refund|money back|compensation|reimburs\w*|chargeback)\b"),
    # how people were treated, and the state of the place: staff, empathy, tangibles
    (
        1.3,
        r"\b(rude|hangs up|yell(ed|ing)|shout(ed|ing)|incompetent|unprofessional|condescending|hung up|laughed at|rolled (her|his|their) eyes|filthy|dirty|smelly|smelled|unusable|out of order|rusty|nightmare|ignor(es|ed|ing)|inflexible)\b|\brefus(ed|es|ing) to\b|\b(won'?t|would ?n[o']t|did ?n[o']t|do ?n[o']t|does ?n[o']t) (listen|care|help|budge)\w*|\btreated (me|us) like\b|\b(broke|broken) (again|down)\b|\bsupposed to\b|\bwithout (asking|notice|warning)\b|\bnever (ordered|did|called)\b",
    ),
    (1.0, r"\b(hung up|on hold|put me on hold|transferred|waited|waiting|wait time|queue)\b"),
    (
        1.0,
        r"\b(worst|terrible|awful|horrible|useless|pathetic|ridiculous|unacceptable|disgrace\w*|shameful|appalling|rubbish|joke)\b",
    ),
    (
        0.8,
        r"\b(why (is|are|does|do|did|can'?t|won'?t|isn'?t|don'?t|doesn'?t|didn'?t|wasn'?t|has|have)|what happened|what gives|how (long|many more|hard)|seriously)\b",
    ),
    # indignant questions: "what's going on?", "how does this happen?", "are you kidding me?"
    (
        0.8,
        r"\bwhat'?s (going on|up with|happening)\b|\bwhat is (going on|happening|this)\b|\bhow (does|did|could|can) this (happen|be)\b|\bwhat (the )?(heck|hell|kind of)\b|\btf is\b|\bwhat are you (playing at|doing)\b|\bare you (kidding|serious|joking)\b",
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
    (1.3, r"\bno (me|nos) (deja|dejan|permite|permiten)\b"),
    (
        1.2,
        r"\b(esta|estan|sigue|siguen|lleva|llevan) caid[oa]s?\b|\bse (ha )?caido\b|\bdejo de funcionar\b|\bdeja de funcionar\b|\bse (apaga|desmonta|deshace) sol[oa]\b",
    ),
    (1.0, r"\b(muy|super|demasiado|tan) lent[oa]s?\b|\blentisim[oa]s?\b"),
    (1.0, r"\b(caducad[oa]s?|podrid[oa]s?|asqueros[oa]s?|mohos[oa]s?|incomible|peligros[oa]s?)\b"),
    (
        1.3,
        r"\b(no|nunca) (me|nos) (han|ha) (contestado|respondido|llamado|devuelto)\b|\bsigo sin (respuesta|saber nada|noticias)\b",
    ),
    (1.2, r"\b(me|nos) (han )?(timado|estafado|enganado|mentido)\b|\bpublicidad enganosa\b"),
    (1.2, r"\b(deja|dejan|dejaba|dejaban) (mucho |bastante )?que desear\b"),
    (
        1.0,
        r"\b(subida de precio|han subido (el precio|la tarifa|la cuota)|ya no (venden|hacen|tienen)|agotad[oa]s?)\b",
    ),
    (
        1.3,
        r"\b(nunca mas|ultima vez que) (compro|vuelo|pido|voy)\b|\bme (doy|di|voy a dar) de baja\b|\bme cambio de compania\b|\bno (volvere|volveremos|repetire|repetiremos)\b|\bno (lo |la |los |las )?(recomiendo|recomendaria|recomendamos)\b",
    ),
    (2.4, r"\bgracias por (nada|arruinar\w*|dejarme|ignorar\w*)\b"),
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
    starts = Starts(folded)
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
