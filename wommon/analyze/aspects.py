"""Which service dimension a complaint is about (after SERVQUAL's dimensions):
compliance (the promise not kept: late, never arrived, wrong, broken, billing),
responsiveness (waiting, no answer), staff (rude, hung up, incompetent), empathy (not
listened to, inflexible), tangibles (place, equipment, appearance). The dimension with
the most cue weight wins; compliance wins ties, since it weighs most for customers."""

from __future__ import annotations

import re

from wommon.analyze.text import fold

ASPECTS = ("compliance", "responsiveness", "staff", "empathy", "tangibles")
_CUES = {
    "compliance": r"\b(late|delay\w*|never (arriv|came|got|receiv)\w*|not (arriv|deliver)\w*|wrong|broken|damaged|defective|faulty|missing|lost|cancel+ed|charg\w*|bill\w*|refund\w*|overcharg\w*|invoice|double|twice|not working|does ?n[o']t work|outage|down|retras\w*|nunca llego|no llego|equivocad\w*|roto|rota|danad\w*|cobr\w*|factura\w*|reembolso|devolucion|averia|cancelad\w*|perdid\w*)\b",
    "responsiveness": r"\b(wait\w*|on hold|no (reply|response|answer|update)|nobody|no one|ignor\w*|hours|days|weeks|still|get back|call(ed|ing)? back|respond\w*|esper\w*|sin respuesta|nadie|no contesta\w*|no responde\w*|ignor\w*|semanas|dias)\b",
    "staff": r"\b(rude|hung up|hang up|attitude|incompetent|unprofessional|manager|agent|staff|employee|cashier|driver|technician|yelled|shouted|maleducad\w*|grosero|grosera|colgaron|colgo|grit\w*|se rio|encargad\w*|empleado\w*|dependient\w*|tecnico|personal|incompetent\w*)\b",
    "empathy": r"\b(did ?n[o']t (listen|care)|do ?n[o']t care|not listen\w*|inflexible|policy|refus\w*|won'?t (help|budge|listen)|no (sympathy|empathy)|treated (me|us) like|nobody cares|(doesn|don)'?t care|no escuch\w*|no les importa|me trataron como|se negaron|negaron|politica|inflexible\w*)\b",
    "tangibles": r"\b(dirty|filthy|smell\w*|store|shop|queue|line|seats?|room|toilet|bathroom|website|app|equipment|machine|slow|crash\w*|checkout|uniform|parking|noisy|sucio|sucia|olor|tienda|cola|asientos?|habitacion|bano|web|aplicacion|ruido\w*)\b",
}
_PATTERNS = {aspect: re.compile(pattern) for aspect, pattern in _CUES.items()}


def aspect_of(text: str) -> str | None:
    """The dimension `text` complains about most, or None when no cue says."""
    folded = fold(text).replace("\u2019", "'")
    counts = {aspect: len(p.findall(folded)) for aspect, p in _PATTERNS.items()}
    best = max(ASPECTS, key=lambda a: (counts[a], a == "compliance"))
    return best if counts[best] else None
