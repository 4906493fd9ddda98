from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import START
from tests.support.helpers import ACME, STORY, add_mentions
from wommon.analyze import embed
from wommon.config import DetectSettings
from wommon.detect import joinable
from wommon.detect.baseline import expected_rate, surprise
from wommon.detect.cluster import Match, Story, StoryIndex, key_terms, term_set, terms
from wommon.detect.detector import detect_pending
from wommon.detect.history import forget_history
from wommon.detect.incidents import Decision, IncidentFigures, decide
from wommon.detect.meanings import Meanings
from wommon.detect.rows import IncidentRows
from wommon.detect.warm import WarmStories
from wommon.store.db import transaction
from wommon.store.enums import Kind, State
from wommon.store.models import BrandHour, Incident, Mention, Outbox

CFG = DetectSettings()


def fig(state: State = State.WATCHING, **kw: object) -> IncidentFigures:
    base = dict(
        state=state,
        mentions=1,
        sources=1,
        p_viral=0.0,
        forecast_size=1.0,
        alerted_mentions=0,
        alerted_severity=None,
        last_seen=START,
    )
    base.update(kw)
    return IncidentFigures(**base)  # type: ignore[arg-type]


def test_decide_opens_only_when_likely_viral_and_told_by_enough_sites() -> None:
    likely = dict(mentions=5, p_viral=0.6, forecast_size=20.0)
    assert decide(fig(**likely, sources=1), START, CFG).notify is None
    assert decide(fig(**{**likely, "p_viral": 0.2}, sources=3), START, CFG).notify is None
    assert decide(fig(**{**likely, "mentions": 2}, sources=2), START, CFG).notify is None
    opened = decide(fig(**likely, sources=2), START, CFG)
    assert (opened.state, opened.notify, opened.severity) == (
        State.ALERTING,
        Kind.OPEN,
        "medium",
    )


def test_decide_escalates_updates_cools_and_resolves() -> None:
    alerting = dict(
        mentions=4, sources=3, p_viral=0.5, alerted_mentions=4, alerted_severity="medium"
    )
    assert decide(fig(State.ALERTING, **alerting), START, CFG).notify is None
    grown = decide(fig(State.ALERTING, **{**alerting, "mentions": 7}), START, CFG)
    assert grown.notify == Kind.UPDATE
    worse = decide(fig(State.ALERTING, **{**alerting, "p_viral": 0.95}), START, CFG)
    assert (worse.notify, worse.severity) == (Kind.ESCALATE, "high")
    later = START + timedelta(hours=CFG.cooldown_hours)
    assert decide(fig(State.ALERTING, **alerting), later, CFG).state == State.COOLING
    assert decide(fig(State.COOLING, **alerting), later, CFG).state == State.COOLING
    much_later = START + timedelta(hours=2 * CFG.cooldown_hours)
    resolved = decide(fig(State.COOLING, **alerting), much_later, CFG)
    assert (resolved.state, resolved.notify) == (State.RESOLVED, Kind.RESOLVE)
    assert decide(fig(State.WATCHING), much_later, CFG).notify is None
    assert decide(fig(State.WATCHING), much_later, CFG).state == State.RESOLVED


def test_decide_cooling_incident_flares_up_in_its_thread() -> None:
    d = decide(
        fig(State.COOLING, mentions=9, sources=3, alerted_mentions=4, alerted_severity="medium"),
        START + timedelta(hours=1),
        CFG,
    )
    assert d.state == State.ALERTING and d.notify == Kind.UPDATE


def test_decide_reopens_a_story_that_alerted_before() -> None:
    back = fig(mentions=12, sources=4, p_viral=0.7, alerted_mentions=8, alerted_severity="medium")
    assert decide(back, START, CFG).notify == Kind.REOPEN


def test_decide_a_resolved_viral_story_reopens_only_when_it_grows_again() -> None:
    """Past the viral size a story stays "likely viral" for good: a stray mention a week
    after it resolved must not re-open it (and resolve it again) in the team's thread."""
    viral = dict(sources=40, p_viral=1.0, alerted_mentions=240, alerted_severity="high")
    stray = decide(fig(mentions=241, **viral), START, CFG)
    assert (stray.state, stray.notify) == (State.WATCHING, None)
    later = START + timedelta(hours=2 * CFG.cooldown_hours)
    assert decide(fig(mentions=241, **viral), later, CFG) == Decision(State.RESOLVED, "high")
    wave = decide(fig(mentions=300, **viral), START, CFG)
    assert (wave.state, wave.notify) == (State.ALERTING, Kind.REOPEN)


def test_decide_snoozed_incident_keeps_quiet_but_still_resolves() -> None:
    snoozed = dict(mentions=5, sources=2, p_viral=0.6, snoozed=True)
    assert decide(fig(**snoozed), START, CFG).notify is None
    alerting = dict(snoozed, alerted_mentions=5, alerted_severity="medium")
    much_later = START + timedelta(hours=2 * CFG.cooldown_hours)
    assert decide(fig(State.ALERTING, **alerting), much_later, CFG).notify == Kind.RESOLVE


def _no_meaning() -> embed.Vector:
    """Stories without centroids are matched by words alone: never called."""
    raise AssertionError("not embedded")


def _words(text: str) -> frozenset[str]:
    return frozenset(key_terms(terms(text, ["Acme"])))


def test_story_index_joins_paraphrases_and_keeps_stories_apart() -> None:
    index = StoryIndex(
        [Story(1, "Acme", _words("Acme charged me twice, refund refused"))],
        similarity=CFG.similarity,
        semantic=CFG.semantic_similarity,
    )
    paraphrase = _words("They double charged my card and refused the refund")
    match = index.match("Acme", paraphrase, _no_meaning)
    assert match is not None and (match.incident_id, match.reason) == (1, "terms")
    assert (
        index.match("Acme", _words("The Acme store downtown was dirty and crowded"), _no_meaning)
        is None
    )
    assert index.match("Globex", paraphrase, _no_meaning) is None


def test_words_every_story_shares_weigh_little() -> None:
    """A complaint word all of a brand's stories use ("refund") does not merge them."""
    stories = [
        Story(i, "Acme", _words(f"{topic}: still waiting for my refund"))
        for i, topic in enumerate(["roaming fees in France", "broken router", "fiber outage"])
    ]
    index = StoryIndex(stories, similarity=CFG.similarity, semantic=CFG.semantic_similarity)
    assert (
        index.match("Acme", _words("smart watch strap: still waiting for my refund"), _no_meaning)
        is None
    )
    found = index.match(
        "Acme", _words("roaming fees charged in France, refund please"), _no_meaning
    )
    assert found is not None and found.incident_id == 0


def test_a_new_story_told_in_a_known_phrasing_opens_its_own_incident() -> None:
    """Stories told with the same complaint phrasing share most of their words; only the
    words naming the story tell them apart."""
    phrasing = "Acme hung up on me when I asked about {}. Ticket open, third call."
    topics = ["dailynative", "neon nettle", "sid miller"]
    others = ["roaming fees in France", "broken router", "fiber outage", "shop downtown"]
    stories = [Story(i, "Acme", _words(phrasing.format(t))) for i, t in enumerate(topics)]
    stories += [Story(10 + i, "Acme", _words(t)) for i, t in enumerate(others)]
    index = StoryIndex(stories, similarity=CFG.similarity, semantic=CFG.semantic_similarity)
    new = _words(phrasing.format("the legislative process"))
    assert index.match("Acme", new, _no_meaning) is None
    again = index.match("Acme", _words("dailynative: Acme hung up on me"), _no_meaning)
    assert again is not None and again.incident_id == 0


def test_a_texts_set_of_words_is_the_one_its_counted_words_give() -> None:
    """`term_set` (the headline's question: which words a text has) agrees with `terms`."""
    for text in [
        "Acme charged me twice, CHARGES again and again: the charging never stops!",
        "Telefónica me cobró dos veces; la factura, otra vez, sin devolución. 3G 4G 5G",
        "the and for are but not you all",
        "",
    ]:
        assert term_set(text) == set(terms(text))


def test_words_are_weighed_again_when_a_story_comes_or_goes() -> None:
    """A word's weight depends on how many stories use it: after a story is added or
    removed, every score is the one an index built from the remaining stories gives."""
    texts = [
        "roaming fees in France, still waiting for my refund",
        "broken router, still waiting for my refund",
        "fiber outage downtown, refund refused",
        "router fees charged twice, refund refused",
    ]
    stories = [Story(i, "Acme", _words(t)) for i, t in enumerate(texts)]
    queries = [
        _words("router fees, refund please"),
        _words("still waiting for my refund after the outage"),
        _words("roaming fees charged twice"),
    ]

    def scores(index: StoryIndex) -> list[Match | None]:
        return [index.by_terms("Acme", q) for q in queries]

    def built(kept: list[Story]) -> StoryIndex:
        return StoryIndex(kept, similarity=0.2, semantic=CFG.semantic_similarity)

    index = built(stories[:3])
    scores(index)  # weighs the words as three stories have them
    index.add(stories[3])
    assert scores(index) == scores(built(stories))
    index.remove("Acme", 1)
    assert scores(index) == scores(built([stories[0], *stories[2:]]))
    index.remove("Acme", 3)
    assert scores(index) == scores(built([stories[0], stories[2]]))


def test_story_index_matches_across_languages_by_meaning() -> None:
    english, spanish, other = embed.embed(
        [
            "Acme charged me twice on my phone bill and will not refund it",
            "Acme me cobró dos veces la factura del móvil y no me devuelven el dinero",
            "The Acme shop in Madrid was dirty and the staff were rude",
        ]
    )
    index = StoryIndex(
        [Story(7, "Acme", _words("Acme charged me twice on my phone bill"), english)],
        similarity=CFG.similarity,
        semantic=CFG.semantic_similarity,
    )
    found = index.match("Acme", _words("Acme me cobró dos veces la factura"), lambda: spanish)
    assert found is not None and (found.incident_id, found.reason) == (7, "meaning")
    assert index.match("Acme", _words("shop dirty staff rude"), lambda: other) is None


def test_detect_groups_a_spreading_story_and_queues_one_alert(engine: Engine) -> None:
    add_mentions(
        engine,
        [
            ("a.example", STORY, -0.6, 0),
            ("b.example", "Acme double charged me, refund refused!", -0.5, 20),
            ("c.example", "charged twice by Acme, still no refund", -0.4, 40),
            ("d.example", "Acme store was dirty and crowded", -0.3, 50),
            ("e.example", "Acme is great", 0.8, 55),
        ],
    )
    now = START + timedelta(hours=1)
    report = detect_pending(engine, CFG, (ACME,), now)
    assert (report.mentions, report.incidents_opened, report.alerts_queued) == (5, 2, 1)
    assert detect_pending(engine, CFG, (ACME,), now).alerts_queued == 0
    with Session(engine) as session:
        incidents = list(session.exec(select(Incident).order_by(col(Incident.id))))
        assert [(i.state, i.mentions, i.sources) for i in incidents] == [
            ("alerting", 3, 3),
            ("watching", 1, 1),
        ]
        story = incidents[0]
        assert story.p_viral is not None and story.p_viral >= CFG.alert_confidence
        assert story.forecast_size is not None and story.forecast_size > 3
        (row,) = session.exec(select(Outbox)).all()
        assert (row.kind, row.status, row.idempotency_key) == (
            "open",
            "pending",
            f"incident-{story.id}-open",
        )
        payload = json.loads(row.payload)
        assert payload["mentions"] == 3 and payload["brand"] == "Acme"
        assert payload["p_viral"] == story.p_viral and payload["voices"] == 3.0
        assert len(payload["excerpts"]) == 3
        positive = session.exec(select(Mention).where(Mention.domain == "e.example")).one()
        assert positive.incident_id is None and positive.detected_at == now
        hour = session.exec(select(BrandHour)).one()
        assert (hour.brand, hour.negative) == ("Acme", 4)


def test_the_database_says_which_quiet_incidents_time_alone_may_change(engine: Engine) -> None:
    """A run reviews an incident no mention joined only when time may change it: an
    alerting one quiet for a cooldown, any other open one quiet for two, one whose snooze
    has ended. Asked in SQL, so it must mean the same on every database."""
    now = START + timedelta(days=2)
    cooldown = timedelta(hours=CFG.cooldown_hours)
    quiet = {
        "alerting, cooled": (State.ALERTING, cooldown, None),
        "alerting, not yet": (State.ALERTING, cooldown - timedelta(minutes=1), None),
        "watching, one cooldown": (State.WATCHING, cooldown, None),
        "cooling, two cooldowns": (State.COOLING, 2 * cooldown, None),
        "snooze ended": (State.WATCHING, timedelta(minutes=5), now),
        "snooze running": (State.ALERTING, timedelta(minutes=5), now + timedelta(minutes=1)),
        "dismissed, long quiet": (State.DISMISSED, 3 * cooldown, None),
    }
    ids = {}
    with transaction(engine) as session:
        for label, (state, silence, snoozed_until) in quiet.items():
            incident = Incident(
                brand="Acme",
                label=label,
                first_seen=now - silence,
                last_seen=now - silence,
                state=state.value,
                snoozed_until=snoozed_until,
                updated_at=now - silence,
            )
            session.add(incident)
            session.flush()
            ids[incident.id] = label
    with engine.connect() as connection:
        found = joinable.read(connection, "Acme", False, now, CFG)
    assert sorted(ids[i] for i in found.time_may_change) == [
        "alerting, cooled",
        "cooling, two cooldowns",
        "snooze ended",
    ]
    assert set(found.incidents) == set(ids)


def test_a_run_writes_only_what_it_changed_of_an_incident(engine: Engine) -> None:
    """A person's dismiss that reaches the row after a run read it stays: the run writes
    the columns it changed, not everything it read."""
    with transaction(engine) as session:
        rows = IncidentRows(session)
        opened = rows.open(
            brand="Acme", label="x", first_seen=START, last_seen=START, updated_at=START
        )
        assert (opened.state, opened.mentions, opened.severity) == ("watching", 0, "low")
    with transaction(engine) as session:
        rows = IncidentRows(session)
        incident = rows.get(opened.id)
        session.execute(
            update(Incident).where(col(Incident.id) == opened.id).values(state="dismissed")
        )
        incident.mentions, incident.last_seen = 2, START + timedelta(hours=1)
        rows.save()
    with Session(engine) as session:
        stored = session.get(Incident, opened.id)
        assert stored is not None
        assert (stored.state, stored.mentions) == ("dismissed", 2)
        assert stored.last_seen == START + timedelta(hours=1)


# Long posts that mention the brand in one sentence and are about something else all along.
_DIARIES = (
    "Our trip began in the mountains, where the hostel owner cooked polenta with wild "
    "mushrooms and told stories about glaciers, avalanches and the old railway line. ",
    "The garden needs attention this spring: tomatoes by the fence, basil in pots, roses "
    "pruned hard, and a compost heap that the neighbours' chickens keep scratching apart. ",
    "Chess club met on Thursday; the openings were Sicilian and French, the endgames long, "
    "and the tournament in the library drew players from three villages and a school. ",
)


def test_a_long_post_is_grouped_by_what_it_says_of_the_brand(engine: Engine) -> None:
    """The same story told inside three long posts about other things is one incident: a
    post is grouped by its sentences about the brand, not by the rest of it."""
    add_mentions(
        engine,
        [
            (
                f"{site}.example",
                f"{diary * 3}Then {STORY}. Nobody called back. {diary * 3}",
                -0.6,
                minute,
            )
            for site, diary, minute in zip("abc", _DIARIES, (0, 20, 40), strict=True)
        ],
    )
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    with Session(engine) as session:
        incident = session.exec(select(Incident)).one()
        assert (incident.mentions, incident.sources) == (3, 3)
        assert {"charg", "refund"} <= set(incident.key_terms.split())


def test_one_site_repeating_itself_does_not_make_a_story(engine: Engine) -> None:
    add_mentions(engine, [("a.example", STORY, -0.6, m) for m in (0, 10, 20, 30)])
    assert detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1)).alerts_queued == 0
    with Session(engine) as session:
        incident = session.exec(select(Incident)).one()
        assert (incident.mentions, incident.sources) == (4, 1)
        assert incident.voices < 2


def test_a_post_linking_to_a_mention_joins_its_incident(engine: Engine) -> None:
    add_mentions(engine, [("a.example", STORY, -0.6, 0)])
    add_mentions(
        engine,
        [("news.example", "Customers of a phone company are furious, see this thread", -0.4, 30)],
        links=("https://a.example/0-0",),
    )
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    with Session(engine) as session:
        incident = session.exec(select(Incident)).one()
        assert (incident.mentions, incident.sources) == (2, 2)


def test_story_resolves_after_quiet_and_comes_back_in_the_same_thread(engine: Engine) -> None:
    add_mentions(engine, [(f"{d}.example", STORY, -0.6, i * 10) for i, d in enumerate("abc")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    for hours in (8, 14, 20):
        detect_pending(engine, CFG, (ACME,), START + timedelta(hours=hours))
    with Session(engine) as session:
        assert session.exec(select(Incident)).one().state == "resolved"
    back = 3 * 24 * 60
    add_mentions(
        engine, [(f"{d}.example", STORY, -0.6, back + i * 5) for i, d in enumerate("defgh")]
    )
    detect_pending(engine, CFG, (ACME,), START + timedelta(minutes=back + 60))
    with Session(engine) as session:
        (incident,) = session.exec(select(Incident)).all()
        assert (incident.state, incident.mentions) == ("alerting", 8)
        kinds = [r.kind for r in session.exec(select(Outbox).order_by(col(Outbox.id)))]
    assert kinds == ["open", "resolve", "reopen"]


def test_a_kept_usual_rate_is_read_again_when_a_run_counts_an_earlier_hour(
    engine: Engine,
) -> None:
    """Detection keeps a brand's usual rate for the current hour between runs; a run that
    counts a late mention in an earlier hour reads it again. After every run the incident's
    surprise is what the brand's hours as stored say."""
    now = START + timedelta(hours=1)
    hour = now.replace(minute=0)
    with transaction(engine) as session:
        # The same hour on three of the last seven days (not yesterday), and a little on
        # the week before: the daily median is 0, and yesterday's hour would make it 1.
        for days in (2, 3, 5):
            session.add(BrandHour(brand="Acme", hour=hour - timedelta(days=days), negative=1))
        for days in range(8, 15):
            at = hour - timedelta(days=days, hours=3)
            session.add(BrandHour(brand="Acme", hour=at, negative=1))
    warm = WarmStories()

    def surprise_as_stored() -> float:
        with Session(engine) as session:
            rows = session.exec(select(BrandHour).where(BrandHour.brand == "Acme")).all()
            incident = session.exec(select(Incident)).one()
        counts = {r.hour: r.negative for r in rows}
        level = surprise(counts.get(hour, 0), expected_rate(counts, hour)).level
        assert incident.surprise == level
        return level

    minutes = 60  # START + 1 h is `hour`
    add_mentions(engine, [(f"{d}.example", STORY, -0.6, minutes + i) for i, d in enumerate("ab")])
    detect_pending(engine, CFG, (ACME,), now + timedelta(minutes=5), stories=warm)
    before = surprise_as_stored()
    # Yesterday's same hour gets a late mention, counted with one of this hour's: the rate
    # the run kept is stale, and read again.
    add_mentions(
        engine,
        [
            ("c.example", STORY, -0.6, minutes - 24 * 60 + 5),
            ("d.example", STORY, -0.6, minutes + 9),
        ],
    )
    detect_pending(engine, CFG, (ACME,), now + timedelta(minutes=10), stories=warm)
    assert surprise_as_stored() != before
    add_mentions(engine, [("e.example", STORY, -0.6, minutes + 12)])
    detect_pending(engine, CFG, (ACME,), now + timedelta(minutes=15), stories=warm)
    surprise_as_stored()


def test_brand_hours_count_each_mention_once_however_it_is_detected(engine: Engine) -> None:
    add_mentions(engine, [(f"{d}.example", STORY, -0.6, i) for i, d in enumerate("ab")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    # A later run adds its own mention to the same hour; a positive one counts for nothing.
    add_mentions(engine, [("c.example", STORY, -0.6, 5), ("d.example", "Love it", 0.8, 6)])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    with Session(engine) as session:
        assert [h.negative for h in session.exec(select(BrandHour))] == [3]
    # Handed back to detection (history re-scored): recounted first, then added once.
    with transaction(engine) as session:
        for mention in session.exec(select(Mention)):
            mention.historical = True
            session.add(mention)
        forget_history(session, None, START + timedelta(hours=1))
        assert [h.negative for h in session.exec(select(BrandHour))] == [0]
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1), historical=True)
    with Session(engine) as session:
        assert [h.negative for h in session.exec(select(BrandHour))] == [3]


def test_a_big_story_updates_its_thread_by_quarters_not_every_few_mentions() -> None:
    big = dict(sources=40, p_viral=1.0, alerted_mentions=100, alerted_severity="high")
    assert decide(fig(State.ALERTING, mentions=110, **big), START, CFG).notify is None
    assert decide(fig(State.ALERTING, mentions=125, **big), START, CFG).notify == Kind.UPDATE


def test_the_headline_is_the_most_representative_negative_mention(engine: Engine) -> None:
    """The first mention's title was the headline: "Contoso Bank great service" headed a
    complaint about double charges. The alert now heads the incident with the mention
    that carries the story's key terms."""
    from wommon.store.models import Source

    texts = [
        ("Acme great service", "Acme charged me twice for roaming in France, no refund."),
        ("Charged twice for roaming", "Acme charged my card twice for roaming in France."),
        ("Roaming charged twice again", "Acme roaming charged twice in France, refund refused."),
        ("", "Acme charged twice for roaming abroad in France, still no refund."),
    ]
    with transaction(engine) as session:
        src = Source(
            name="s", kind="rss", url="https://s.example", interval_seconds=900, next_due_at=START
        )
        session.add(src)
        session.flush()
        for i, (title, text) in enumerate(texts):
            at = START + timedelta(minutes=10 * i)
            session.add(
                Mention(
                    source_id=src.id,
                    uid=f"u{i}",
                    url=f"https://site{i}.example/{i}",
                    domain=f"site{i}.example",
                    author=f"a{i}",
                    title=title,
                    text=text,
                    published_at=at,
                    fetched_at=at,
                    brand="Acme",
                    sentiment=-0.6,
                    negative=True,
                    analyzed_at=at,
                )
            )
    detect_pending(engine, DetectSettings(), (ACME,), START + timedelta(minutes=40))
    with Session(engine) as session:
        (incident,) = session.exec(select(Incident)).all()
        (alert,) = session.exec(select(Outbox)).all()
    assert incident.label != "Acme great service"
    assert "twice" in incident.label.lower() and "roaming" in incident.label.lower()
    assert json.loads(alert.payload)["label"] == incident.label


def test_meanings_come_in_batches_and_only_asked_ones_move_a_story(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = embed.embed

    def counting(texts: Sequence[str]) -> embed.Vector:
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(embed, "embed", counting)
    texts = ["router down again", "parcel lost", "refund refused", "billing error", "late"]
    # Mention 2 looks placed already (its words tell a story): it is not embedded ahead.
    meanings = Meanings(texts, likely=lambda i: i != 2)
    first = meanings.of(0)()
    assert calls == [4]
    assert meanings.of(1).vector is None  # embedded ahead, but nobody asked for it
    second = meanings.of(1)()
    assert calls == [4] and meanings.of(1).vector is not None
    assert float(first @ real(texts[:1])[0]) > 0.9999
    assert float(second @ real(texts[1:2])[0]) > 0.9999
    meanings.of(2)()
    assert calls == [4, 1]


def test_a_story_closed_in_the_run_that_opened_it_leaves_the_warm_index(engine: Engine) -> None:
    """An old post opens a story that resolves in the same run, past re-opening: the next
    run, detecting with the same warm index, must not find it there (it crashed a cold
    start on old feed entries: the index matched a story the run had not read)."""
    warm = WarmStories()
    long_ago = START - timedelta(days=CFG.reopen_days + 30)
    add_mentions(engine, [("a.example", STORY, -0.6, 0)], start=long_ago)
    detect_pending(engine, CFG, (ACME,), START, stories=warm)
    add_mentions(engine, [("b.example", STORY, -0.6, 10)], start=long_ago)
    detect_pending(engine, CFG, (ACME,), START + timedelta(minutes=1), stories=warm)
    with Session(engine) as session:
        incidents = session.exec(select(Incident).order_by(col(Incident.id))).all()
    assert [(i.state, i.mentions) for i in incidents] == [("resolved", 1), ("resolved", 1)]


def test_the_warm_index_matches_one_rebuilt_from_the_incidents_run_after_run() -> None:
    """Stories added, reworded, moved and closed between runs: the warm index answers
    every query as an index rebuilt from the same incidents does."""
    import numpy as np

    from wommon.analyze import embed
    from wommon.detect.warm import WarmStories, story_of
    from wommon.store.models import Incident

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(60)]

    def unit() -> np.ndarray:
        v = rng.standard_normal(embed.DIMENSIONS).astype(np.float32)
        return v / np.linalg.norm(v)

    def incident(i: int) -> Incident:
        terms = " ".join(sorted(rng.choice(words, 6, replace=False)))
        centroid = embed.to_bytes(unit()) if i % 3 else None
        return Incident(id=i, brand="Acme", label="x", key_terms=terms, centroid=centroid)

    warm = WarmStories()
    open_: dict[int, Incident] = {i: incident(i) for i in range(1, 30)}
    for run in range(6):
        index = warm.index(("Acme", False), open_, CFG.similarity, CFG.semantic_similarity)
        rebuilt = StoryIndex(
            (story_of(i) for i in open_.values()),
            similarity=CFG.similarity,
            semantic=CFG.semantic_similarity,
        )
        for _ in range(40):
            query = frozenset(rng.choice(words, 5, replace=False))
            meaning = unit() * 0.2 + embed.from_bytes(
                rng.choice(list(open_.values())).centroid or embed.to_bytes(unit())
            )  # type: ignore[operator]
            meaning = meaning / np.linalg.norm(meaning)
            found = index.match("Acme", query, lambda m=meaning: m)
            assert found == rebuilt.match("Acme", query, lambda m=meaning: m), run
        # Between runs: a story closes, one is reworded, one moves, one opens.
        ids = sorted(open_)
        del open_[ids[run]]
        open_[ids[-1]].key_terms = " ".join(sorted(rng.choice(words, 6, replace=False)))
        open_[ids[-2]].centroid = embed.to_bytes(unit())
        open_[100 + run] = incident(100 + run)
        # The run moved one story and closed another it had touched; it also opened one,
        # straight into the index, that closed before the next run reads it.
        gone = incident(200 + run)
        index.add(story_of(gone))
        warm.changed(("Acme", False), {ids[-3], ids[run], gone.id or 0})


@pytest.mark.parametrize("historical", [False, True])
def test_mentions_of_no_watched_brand_are_marked_detected_in_the_brands_run(
    engine: Engine, historical: bool
) -> None:
    """Which brands are due, and the mentions of none, are settled in the first brand's
    transaction: both kinds leave the queue in one call."""
    from sqlalchemy import func, update

    add_mentions(
        engine,
        [("a.example", "Acme lost my parcel again", -0.6, 0), ("b.example", "Sunny", 0.4, 1)],
    )
    with transaction(engine) as session:
        session.execute(update(Mention).values(historical=historical))
        session.execute(
            update(Mention).where(col(Mention.domain) == "b.example").values(brand=None)
        )
    now = START + timedelta(hours=1)
    report = detect_pending(engine, CFG, (ACME,), now, historical=historical)
    assert (report.mentions, report.incidents_opened) == (2, 1)
    with Session(engine) as session:
        waiting = select(func.count()).where(col(Mention.detected_at).is_(None))
        assert session.exec(waiting).one() == 0
    assert detect_pending(engine, CFG, (ACME,), now, historical=historical).mentions == 0
