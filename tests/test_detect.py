from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.conftest import START
from tests.helpers import ACME
from wommon.config import DetectSettings
from wommon.detect.cluster import OpenIncident, assign, key_terms, terms
from wommon.detect.detector import detect_pending
from wommon.detect.incidents import IncidentFigures, Notify, State, decide
from wommon.store.db import transaction
from wommon.store.models import Incident, Mention, Outbox, Source

CFG = DetectSettings()


def fig(state: State = State.WATCHING, **kw: object) -> IncidentFigures:
    base = dict(
        state=state,
        mentions=1,
        sources=1,
        recent_mentions=1,
        recent_sources=1,
        alerted_mentions=0,
        last_seen=START,
    )
    base.update(kw)
    return IncidentFigures(**base)  # type: ignore[arg-type]


def test_decide_opens_only_with_enough_independent_voices() -> None:
    assert (
        decide(fig(mentions=5, recent_mentions=5, sources=1, recent_sources=1), START, CFG).notify
        is None
    )
    opened = decide(fig(mentions=3, recent_mentions=3, sources=2, recent_sources=2), START, CFG)
    assert opened == (State.ALERTING, Notify.OPEN) or opened.state == State.ALERTING
    assert opened.notify == Notify.OPEN


def test_decide_updates_on_growth_then_cools_and_resolves() -> None:
    alerting = dict(mentions=4, sources=3, alerted_mentions=3)
    assert decide(fig(State.ALERTING, **alerting), START, CFG).notify is None
    grown = decide(fig(State.ALERTING, **{**alerting, "mentions": 6}), START, CFG)
    assert grown.notify == Notify.UPDATE
    later = START + timedelta(hours=CFG.cooldown_hours)
    assert decide(fig(State.ALERTING, **alerting), later, CFG).state == State.COOLING
    assert decide(fig(State.COOLING, **alerting), later, CFG).state == State.COOLING
    much_later = START + timedelta(hours=2 * CFG.cooldown_hours)
    assert decide(fig(State.COOLING, **alerting), much_later, CFG) == type(grown)(
        State.RESOLVED, Notify.RESOLVE
    )
    assert decide(fig(State.WATCHING), much_later, CFG).notify is None
    assert decide(fig(State.WATCHING), much_later, CFG).state == State.RESOLVED


def test_decide_cooling_incident_flares_up_again() -> None:
    d = decide(
        fig(State.COOLING, mentions=9, alerted_mentions=4, last_seen=START),
        START + timedelta(hours=1),
        CFG,
    )
    assert d.state == State.ALERTING and d.notify == Notify.UPDATE


def test_same_story_joins_other_story_opens() -> None:
    double = frozenset(key_terms(terms("Acme charged me twice, refund refused", ["Acme"])))
    incident = OpenIncident(1, "Acme", double, frozenset())
    paraphrase = frozenset(
        key_terms(terms("They double charged my card and refused the refund", ["Acme"]))
    )
    other = frozenset(key_terms(terms("The Acme store downtown was dirty and crowded", ["Acme"])))
    assert assign("Acme", paraphrase, None, [incident], 0.25) == incident
    assert assign("Acme", other, None, [incident], 0.25) is None
    assert assign("Globex", paraphrase, None, [incident], 0.25) is None
    copy = OpenIncident(1, "Acme", double, frozenset({"fp1"}))
    assert assign("Acme", other, "fp1", [copy], 0.25) == copy


def _add_mentions(engine: Engine, items: list[tuple[str, str, float, int]]) -> None:
    """(domain, text, sentiment, minutes after START) -> analysed mentions of Acme."""
    with transaction(engine) as session:
        src = session.exec(select(Source).where(Source.name == "s")).first() or Source(
            name="s", kind="rss", url="https://s.example", interval_seconds=900, next_due_at=START
        )
        session.add(src)
        session.flush()
        for i, (domain, text, sentiment, minutes) in enumerate(items):
            at = START + timedelta(minutes=minutes)
            session.add(
                Mention(
                    source_id=src.id,
                    uid=f"u{i}-{domain}-{minutes}",
                    domain=domain,
                    title="",
                    text=text,
                    published_at=at,
                    fetched_at=at,
                    brand="Acme",
                    sentiment=sentiment,
                    negative=sentiment < 0,
                    analyzed_at=at,
                )
            )


STORY = "Acme charged me twice and refused my refund"


def test_detect_groups_a_spreading_story_and_queues_one_alert(engine: Engine) -> None:
    _add_mentions(
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
        (row,) = session.exec(select(Outbox)).all()
        assert (row.kind, row.status, row.idempotency_key) == (
            "open",
            "pending",
            f"incident-{incidents[0].id}-open",
        )
        payload = json.loads(row.payload)
        assert payload["mentions"] == 3 and payload["brand"] == "Acme"
        assert len(payload["excerpts"]) == 3
        positive = session.exec(select(Mention).where(Mention.domain == "e.example")).one()
        assert positive.incident_id is None and positive.detected_at == now


def test_syndicated_copies_from_one_domain_do_not_make_a_story(engine: Engine) -> None:
    _add_mentions(engine, [("a.example", STORY, -0.6, m) for m in (0, 10, 20, 30)])
    assert detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1)).alerts_queued == 0


def test_story_resolves_after_quiet_and_says_so_once(engine: Engine) -> None:
    _add_mentions(engine, [(f"{d}.example", STORY, -0.6, i * 10) for i, d in enumerate("abc")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    for hours in (8, 14, 20):
        detect_pending(engine, CFG, (ACME,), START + timedelta(hours=hours))
    with Session(engine) as session:
        assert [r.kind for r in session.exec(select(Outbox).order_by(col(Outbox.id)))] == [
            "open",
            "resolve",
        ]
        assert session.exec(select(Incident)).one().state == "resolved"
