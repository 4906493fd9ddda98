from __future__ import annotations

import pytest

from tests.support.helpers import ACME
from wommon.analyze.analyzer import Analyzer
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.language import detect_language
from wommon.analyze.lexicon import LexiconScore, spanish_score
from wommon.analyze.text import fold
from wommon.config import BrandSettings

TELEFONICA = BrandSettings(name="Telefónica", aliases=("Movistar",), exclude=())


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(BrandMatcher((ACME, TELEFONICA)), clearly_negative=-0.5)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("I love ACME", "Acme"),
        ("thanks @acme for nothing", "Acme"),
        ("#Acme is down again", "Acme"),
        ("ACME   CORP support", "Acme"),
        ("acmeville is a town", None),
        ("my new Acme anvil broke", None),
        ("my Acme anvil broke and Acme support ignored me", "Acme"),
        ("la telefonica me cobró dos veces", "Telefónica"),
        ("TELEFÓNICA no contesta", "Telefónica"),
        ("movistar sin señal", "Telefónica"),
        ("nothing here", None),
    ],
)
def test_brand_matching(text: str, brand: str | None) -> None:
    assert BrandMatcher((ACME, TELEFONICA)).match(text) == brand


def test_fold_strips_accents_and_case() -> None:
    assert fold("Atención AL Cliente Ñ") == "atencion al cliente n"


def test_negative_experience_needs_a_brand_and_negative_sentiment(analyzer: Analyzer) -> None:
    bad = analyzer.analyze_text(
        "Acme is terrible", "Acme charged me twice. Awful service, I am furious."
    )
    assert bad.brand == "Acme" and bad.negative and bad.sentiment < -0.4
    good = analyzer.analyze_text("Love Acme", "Acme support was great and fast!")
    assert good.brand == "Acme" and not good.negative and good.sentiment > 0.5
    unbranded = analyzer.analyze_text("Terrible day", "Awful, horrible, I hate everything.")
    assert unbranded.brand is None and not unbranded.negative


def test_source_brand_applies_when_text_does_not_name_it(analyzer: Analyzer) -> None:
    review = analyzer.analyze_text("Worst app", "Crashes every time. Useless and awful.", "Acme")
    assert review.brand == "Acme" and review.negative


def test_scores_the_sentences_about_the_brand(analyzer: Analyzer) -> None:
    text = (
        "What a wonderful sunny day, I love this city and the amazing food. "
        "Then Acme lost my order and the staff were rude. "
        "Great coffee though, fantastic people, beautiful park."
    )
    assert analyzer.analyze_text("", text).negative


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("Movistar me encanta, la fibra va genial y el soporte fue rapidísimo", "positive"),
        ("Qué asco de Movistar, una vergüenza, no vuelvo nunca más", "negative"),
        ("¿A qué hora abre la tienda de Movistar del centro?", "neutral"),
    ],
)
def test_spanish_gets_a_sentiment_from_the_shipped_model(
    analyzer: Analyzer, text: str, tone: str
) -> None:
    result = analyzer.analyze_text("", text)
    assert result.language == "es" and result.brand == "Telefónica"
    assert result.tone == tone
    assert result.sentiment is not None and -1 <= result.sentiment <= 1
    assert result.negative == (tone == "negative")


def test_spanish_short_sentences_are_read_by_their_words(analyzer: Analyzer) -> None:
    """The model alone read "Buen hotel" as negative, "Atención de pésima calidad" as
    positive and "Tienda sucia y cara" as neutral; the lexicon's words temper it."""

    def tone(text: str) -> str | None:
        return analyzer.analyze_text("", text, require_brand=False).tone

    assert tone("Buen hotel") != "negative"
    assert tone("Atención de pésima calidad") != "positive"
    assert tone("Tienda sucia y cara") == "negative"


def test_spanish_lexicon_negates_and_boosts() -> None:
    plain, boosted, negated = (
        spanish_score(t) for t in ("es limpio", "es muy limpio", "no es limpio")
    )
    assert plain.hits == boosted.hits == negated.hits == 1
    assert 0 < plain.compound < boosted.compound
    assert negated.compound < 0
    assert spanish_score("la tienda abre a las diez") == LexiconScore(0.0, 0)


def test_spanish_lexicon_reads_a_plural_as_its_singular() -> None:
    """The lexicon lists one form; "incómodas" is read as "incómoda", "deplorables" as
    "deplorable". Gender is not guessed: "ganas" (wish) is not "gano" (won)."""
    assert spanish_score("camas incómodas") == spanish_score("cama incómoda")
    assert spanish_score("baños deplorables") == spanish_score("baño deplorable")
    assert spanish_score("tengo ganas de verte").hits == 0


def test_spanish_lexicon_reads_laughter_a_turn_and_little_as_vader_would() -> None:
    """Laughter is "haha" (positive), whatever its length; after "pero" ("but") a
    sentence counts more than before it; "poco amable" is not kind, "un poco caro" is
    still dear."""
    assert spanish_score("jajajaja").compound == spanish_score("jaja").compound > 0
    assert spanish_score("ja").hits == 0
    assert spanish_score("es bonita pero sucia").compound < 0
    assert spanish_score("es sucia pero bonita").compound > 0
    assert spanish_score("personal poco amable").compound < 0 < spanish_score("amable").compound
    assert spanish_score("un poco caro").compound == spanish_score("caro").compound < 0


def test_spanish_lexicon_reads_feelings_not_news() -> None:
    """How the writer feels ("estoy agotada", "qué injusticia", "odio esperar") counts;
    a war or an accident in the news is not a bad experience of the writer's own."""
    for text in ("estoy agotada", "qué injusticia", "odio esperar", "me duele la espalda"):
        assert spanish_score(text).compound < 0, text
    assert spanish_score("qué orgullosa estoy").compound > 0
    assert spanish_score("la guerra y el accidente de ayer").hits == 0


def test_other_languages_are_recorded_not_guessed(analyzer: Analyzer) -> None:
    result = analyzer.analyze_text("", "Acme hat mir zweimal die Rechnung geschickt, unglaublich")
    assert result.language == "de"
    assert (result.sentiment, result.complaint, result.tone, result.negative) == (
        None,
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("title", "text", "language"),
    [
        (
            "Clinton Email: We Must Destroy Syria For Israel",
            "Acme Telecom hung up on me when I asked about Clinton Email: We Must Destroy "
            "Syria For Israel",
            "en",
        ),
        (
            "Lindsey Graham Threatens To Convert To Democrat If Republicans Don’t Dump Trump",
            "Worst service ever from Acme Telecom: Lindsey Graham Threatens To Convert To "
            "Democrat If Republicans Don’t Dump Trump",
            "en",
        ),
        (
            "Acme Deja Sin Servicio A Miles De Clientes En Madrid",
            "Nadie De Acme Responde Y Me Cobraron Dos Veces.",
            "es",
        ),
    ],
)
def test_headlines_in_title_case_are_still_told_apart(
    analyzer: Analyzer, title: str, text: str, language: str
) -> None:
    """News and blog headlines capitalise every word and are full of names, which the
    language model reads as no language in particular: such mentions went unscored."""
    result = analyzer.analyze_text(title, text)
    assert result.language == language
    assert result.negative


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Short reviews the language model is sure are in another language, or unsure of.
        ("Lo barato sale caro", "es"),
        ("El peor hotel de punta cana !", "es"),
        ("Decepcionante", "es"),
        # A language it is sure of stays that language, even with a Spanish-looking word.
        ("Non è vero, la pizza era buona e il servizio ottimo", "it"),
        ("O hotel é muito caro e o quarto pequeno", "pt"),
        # Words Spanish and English share ("horrible") are no sign of Spanish.
        ("Horrible service", "en"),
        ("chicken mcnuggets !!!", None),
    ],
)
def test_short_texts_are_told_apart_by_their_words(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Replies open with handles, which the language model reads as another language.
        ("@user @user @user me lo pase genial", "es"),
        ("@user @user estas en lo cierto", "es"),
        ("@ana_88 @luis @pepe lo mas gracioso es que solo fomenta aun mas el odio", "es"),
        ("@acme_help https://t.co/x1 still waiting for my refund", "en"),
        # A post that is only a link is read by the link's letters, as it always was.
        ("https://t.co/CMiE3rlm4O", "en"),
    ],
)
def test_handles_and_links_do_not_sway_the_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_require_any_keeps_a_common_name_to_its_meaning() -> None:
    orange = BrandSettings(name="Orange", require_any=("factura", "fibra", "bill"))
    matcher = BrandMatcher((orange,))
    assert matcher.match("I ate an orange and it was sour") is None
    assert matcher.match("Orange me cobró dos veces la factura") == "Orange"
    assert matcher.match("La FIBRA de orange no funciona") == "Orange"
    # Accents and case are ignored in the required words too, and they are whole words.
    assert matcher.match("ORANGE: my bill doubled") == "Orange"
    assert matcher.match("Orange billboards everywhere") is None


def test_near_asks_for_a_word_close_to_the_name() -> None:
    amazon = BrandSettings(name="Amazon", near=("pedido", "delivery", "paquete"), near_words=5)
    matcher = BrandMatcher((amazon,))
    assert matcher.match("Amazon perdió mi pedido otra vez") == "Amazon"
    assert matcher.match("Mi paquete de Amazón no llegó") == "Amazon"
    far = "We sailed the Amazon for weeks and weeks, then later a delivery notice came"
    assert matcher.match(far) is None
    # Exactly `near_words` words apart still counts; one more does not.
    assert matcher.match("Amazon a b c d delivery") == "Amazon"
    assert matcher.match("Amazon a b c d e delivery") is None


def test_rules_combine_with_exclusions() -> None:
    brand = BrandSettings(
        name="Apple", exclude=("apple pie",), require_any=("iphone", "store", "soporte")
    )
    matcher = BrandMatcher((brand,))
    assert matcher.match("apple pie at the store") is None  # the only Apple is excluded
    assert matcher.match("apple pie, then the Apple store lost my iPhone") == "Apple"
    assert matcher.match("Apple is late") is None  # no required word
