"""The alert path: messages, routing, quiet hours, and delivery cases R23-R31 against a
local Slack-compatible server."""

from __future__ import annotations

import io
import itertools
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import START
from tests.support.http_server import HTTPServer, send
from tests.support.slack_server import Scripted, SlackServer, channel_id, limit_error
from wommon.alert.blocks import digest_messages, escape, incident_blocks
from wommon.alert.console import ConsoleNotifier
from wommon.alert.notifier import Alert
from wommon.alert.outbox import Routing, claim, deliver_due, retry_delay
from wommon.alert.pacer import Pacer
from wommon.alert.routing import channel_for, held_until
from wommon.alert.slack import SlackNotifier
from wommon.alert.webhook import WebhookNotifier
from wommon.clock import SimulatedClock
from wommon.config import SlackRoute, SlackSettings
from wommon.store.db import transaction
from wommon.store.models import Incident, Outbox
from wommon.store.outbox import enqueue
from wommon.store.payload import Digest, IncidentNews

TOKEN = "xoxb-SENTINEL-123"
ROUTING = Routing(default_channel="#alerts")


def payload(**kw: Any) -> IncidentNews:
    base: dict[str, Any] = {
        "incident_id": 1,
        "brand": "Acme",
        "label": "Acme charged me twice <!channel>",
        "aspect": "compliance",
        "state": "alerting",
        "severity": "low",
        "mentions": 3,
        "sources": 3,
        "growth": {"hour": 2, "day": 3},
        "languages": ["en", "es"],
        "forecast_size": 240.0,
        "p_viral": 0.55,
        "surprise": 3.0,
        "forecast_threshold_at": (START + timedelta(hours=5)).isoformat(),
        "first_seen": START.isoformat(),
        "last_seen": (START + timedelta(hours=2)).isoformat(),
        "excerpts": [
            {
                "title": "Charged twice <@U1> & more",
                "url": "https://a.example/1",
                "domain": "a.example",
                "text": "body",
            }
        ],
    }
    base.update(kw)
    return IncidentNews.from_json(base)


def incident(engine: Engine, kinds: list[str], **payload_kw: Any) -> int:
    with transaction(engine) as session:
        inc = Incident(
            brand=payload_kw.get("brand", "Acme"),
            label="x",
            first_seen=START,
            last_seen=START,
            updated_at=START,
        )
        session.add(inc)
        session.flush()
        assert inc.id is not None
        for kind in kinds:
            key = f"incident-{inc.id}-{kind}"
            assert enqueue(
                session,
                incident_id=inc.id,
                kind=kind,
                key=key,
                payload=payload(incident_id=inc.id, **payload_kw),
                now=START,
            )
        assert not enqueue(
            session,
            incident_id=inc.id,
            kind="x",
            key=f"incident-{inc.id}-{kinds[0]}",
            payload={},
            now=START,
        )
        return inc.id


def rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def bot(slack: SlackServer) -> SlackNotifier:
    return SlackNotifier.from_token(TOKEN, slack.api_url)


class FakeTime:
    """A pacer clock on simulated time: sleeping advances it."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.clock.advance(seconds)


# --- the message -------------------------------------------------------------------------


def test_message_tells_the_story_and_escapes_feed_text() -> None:
    """R31 (escaping): `<!channel>`, `<@U1>` and `&<>` from a feed reach Slack as text."""
    blocks = incident_blocks(payload(), "open", buttons=True)
    rendered = json.dumps(blocks)
    assert "<!channel>" not in rendered and "<@U1>" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp; more" in rendered
    fields = " ".join(f["text"] for f in blocks[1]["fields"])
    for expected in (
        "compliance",
        "3 mentions, 3 independent sources",
        "+2 in the last hour",
        "at least 240 mentions (7 in 10), 55% chance of going viral",
        "once in 1,000 for this brand",
        "en, es",
    ):
        assert expected in fields
    assert "<https://a.example/1|a.example>" in rendered
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "wommon_ack",
        "wommon_snooze",
        "wommon_resolve",
        "wommon_dismiss",
    ]
    assert not [
        b
        for b in incident_blocks(payload(state="resolved"), "resolve", buttons=True)
        if b["type"] == "actions"
    ]
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_oversized_content_is_clipped_and_split_and_slack_accepts_it(
    engine: Engine, slack: SlackServer
) -> None:
    """R31: 60 excerpts, a 5,000-character section, 45,000 characters of text: clipped and
    split so that Slack accepts every message."""
    huge = payload(
        label="<!channel> " + "x" * 45_000,
        excerpts=[
            {
                "title": "t" * 5000,
                "url": "https://a.example/" + str(i),
                "domain": "a.example",
                "text": "y" * 5000,
            }
            for i in range(60)
        ],
    )
    blocks = incident_blocks(huge, "open", buttons=True)
    assert limit_error({"blocks": blocks}) is None
    digest = digest_messages(
        Digest.from_json(
            {
                "digest": "daily",
                "title": "Daily digest",
                "incidents": [
                    {
                        "brand": "Acme",
                        "label": "z" * 2000,
                        "state": "alerting",
                        "severity": "high",
                        "mentions": 9,
                        "sources": 4,
                        "first_seen": START.isoformat(),
                    }
                    for _ in range(120)
                ],
            }
        )
    )
    assert len(digest) > 1 and all(limit_error({"blocks": m}) is None for m in digest)
    with transaction(engine) as session:
        inc = Incident(brand="Acme", label="x", first_seen=START, last_seen=START, updated_at=START)
        session.add(inc)
        session.flush()
        assert inc.id is not None
        enqueue(session, incident_id=inc.id, kind="open", key="huge", payload=huge, now=START)
    assert deliver_due(engine, bot(slack), START, owner="t", routing=ROUTING).sent == 1
    (root,) = slack.roots()
    assert "<!channel>" not in json.dumps(root)


def test_console_notifier_prints_the_story() -> None:
    out = io.StringIO()
    ConsoleNotifier(out).send(Alert("k", "open", payload(), "console"))
    text = out.getvalue()
    assert "Negative story spreading — Acme: Acme charged me twice" in text
    assert "3 negative mentions from 3 independent sources in 2.0 h" in text
    assert "https://a.example/1" in text


# --- routing and quiet hours -------------------------------------------------------------


def test_routes_by_brand_and_severity() -> None:
    slack = SlackSettings(
        channel="#alerts",
        routes=(
            SlackRoute(channel="#crisis", min_severity="high"),
            SlackRoute(channel="#globex", brand="Globex"),
        ),
    )
    assert channel_for(payload(severity="high"), slack, "#alerts") == "#crisis"
    assert channel_for(payload(brand="Globex"), slack, "#alerts") == "#globex"
    assert channel_for(payload(), slack, "#alerts") == "#alerts"


def test_quiet_hours_hold_non_urgent_new_incidents() -> None:
    slack = SlackSettings(
        quiet_hours="22:00-07:00", timezone="Europe/Madrid", quiet_min_severity="high"
    )
    night = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Madrid
    morning = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Madrid
    assert held_until(payload(), "open", night, slack) == morning
    assert held_until(payload(severity="high"), "open", night, slack) is None
    assert held_until(payload(), "update", night, slack) is None
    assert held_until(payload(), "open", datetime(2026, 3, 2, 12, tzinfo=UTC), slack) is None


def test_quiet_hours_deliver_a_digest_then_the_alerts_in_the_morning(
    engine: Engine, slack: SlackServer
) -> None:
    night = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    routing = Routing("#alerts", SlackSettings(quiet_hours="22:00-07:00", timezone="UTC"))
    incident(engine, ["open"])
    report = deliver_due(engine, bot(slack), night, owner="t", routing=routing)
    assert (report.sent, report.held) == (0, 1)
    assert slack.posts() == []
    morning = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    deliver_due(engine, bot(slack), morning, owner="t", routing=routing)
    deliver_due(engine, bot(slack), morning + timedelta(seconds=5), owner="t", routing=routing)
    texts = [m["text"] for m in slack.roots()]
    assert texts[0].startswith("While quiet hours were on, 1 new incident opened")
    assert texts[1].startswith("Negative story spreading — Acme")
    assert [r.status for r in rows(engine)] == ["sent", "sent"]


# --- delivery ----------------------------------------------------------------------------


def test_root_message_then_update_in_place_and_in_thread(
    engine: Engine, slack: SlackServer
) -> None:
    incident_id = incident(engine, ["open", "update"])
    notifier = bot(slack)
    assert deliver_due(engine, notifier, START, owner="t", routing=ROUTING).sent == 1
    (root,) = slack.roots()
    assert slack.calls[0].authorization == f"Bearer {TOKEN}"
    assert root["channel"] == channel_id("#alerts")
    assert root["metadata"] == {
        "event_type": "wommon_alert",
        "event_payload": {"key": f"incident-{incident_id}-open"},
    }
    assert deliver_due(engine, notifier, START, owner="t", routing=ROUTING).sent == 1
    updates = [c for c in slack.calls if c.method == "chat.update"]
    assert len(updates) == 1 and updates[0].body["ts"] == root["ts"]
    assert [m["thread_ts"] for m in slack.messages] == [None, root["ts"]]
    with Session(engine) as session:
        inc = session.get(Incident, incident_id)
        assert inc is not None and (inc.slack_channel, inc.slack_ts) == (
            root["channel"],
            root["ts"],
        )
    assert [r.status for r in rows(engine)] == ["sent", "sent"]
    assert (
        deliver_due(engine, notifier, START + timedelta(hours=1), owner="t", routing=ROUTING).sent
        == 0
    )


def test_rate_limit_waits_for_retry_after_without_blocking(
    engine: Engine, slack: SlackServer, clock: SimulatedClock
) -> None:
    """R23: Slack answers 429 Retry-After: 2 three times: exactly one message lands, no
    attempt comes before Retry-After, and the deliverer never sleeps through the wait (the
    other jobs, collection included, run in their own threads meanwhile)."""
    incident(engine, ["open"])
    ratelimited = Scripted(
        status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "2"}
    )
    slack.fail_next("chat.postMessage", ratelimited, ratelimited, ratelimited)
    fake = FakeTime(clock)
    pacer = Pacer(1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    attempts: list[datetime] = []
    for _ in range(20):
        before = len(slack.posts())
        deliver_due(engine, bot(slack), clock.now(), owner="t", routing=ROUTING, pacer=pacer)
        if len(slack.posts()) > before:
            attempts.append(clock.now())
        clock.advance(0.5)
    assert len(slack.posts()) == 4 and len(slack.roots()) == 1
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts)]
    assert all(g >= 2 for g in gaps), gaps
    assert fake.slept < 1.5
    assert rows(engine)[0].status == "sent"


def test_fifty_alerts_for_one_channel_go_out_at_about_one_per_second(
    engine: Engine, slack: SlackServer, clock: SimulatedClock
) -> None:
    """R24: 50 alerts at once for one channel: all delivered, about one a second."""
    for _ in range(50):
        incident(engine, ["open"])
    fake = FakeTime(clock)
    pacer = Pacer(1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    start = clock.now()
    report = deliver_due(engine, bot(slack), clock.now(), owner="t", routing=ROUTING, pacer=pacer)
    assert report.sent == 50 and len(slack.roots()) == 50
    assert 48 <= (clock.now() - start).total_seconds() <= 50


def test_slack_down_for_two_hours(
    engine: Engine, slack: SlackServer, clock: SimulatedClock
) -> None:
    """R25: Slack down for 2 h: the alert stays pending with capped backoff (a bounded number
    of attempts), and is delivered once Slack is back."""
    incident(engine, ["open"])
    down = Scripted(status=503, body={"ok": False, "error": "service_unavailable"})
    slack.fail_next("chat.postMessage", *([down] * 1000))
    end = clock.now() + timedelta(hours=2)
    while clock.now() < end:
        deliver_due(engine, bot(slack), clock.now(), owner="t", routing=ROUTING)
        clock.advance(30)
    attempts = len(slack.posts())
    assert 5 <= attempts <= 15
    assert rows(engine)[0].status == "pending"
    assert rows(engine)[0].next_attempt_at - clock.now() <= timedelta(seconds=900)
    slack.script["chat.postMessage"].clear()
    clock.set(rows(engine)[0].next_attempt_at)
    assert deliver_due(engine, bot(slack), clock.now(), owner="t", routing=ROUTING).sent == 1
    assert len(slack.roots()) == 1


def test_crash_after_slack_answered_is_found_not_reposted(
    engine: Engine, slack: SlackServer
) -> None:
    """R26: the daemon dies after Slack answered 200 but before "sent" was committed; after
    restart the message is found by its metadata, not posted again (bot token)."""
    incident_id = incident(engine, ["open"])
    (item,) = claim(engine, START, "dead", 10, ROUTING)
    bot(slack).send(item.alert)
    later = START + timedelta(minutes=5)
    assert deliver_due(engine, bot(slack), later, owner="t", routing=ROUTING).sent == 1
    assert len(slack.roots()) == 1
    assert [c.method for c in slack.calls][-2:] == ["conversations.list", "conversations.history"]
    (row,) = rows(engine)
    assert row.status == "sent" and row.slack_ts == slack.roots()[0]["ts"]
    with Session(engine) as session:
        inc = session.get(Incident, incident_id)
        assert inc is not None and inc.slack_ts == row.slack_ts


def test_webhook_after_a_crash_posts_at_most_once_more(engine: Engine) -> None:
    """R26 (webhook): there is no history to read, so the alert is posted again: at most
    one duplicate, as documented."""
    with HTTPServer() as hook:
        hook.routes["/hook"] = lambda h: send(h, 200, b"ok", {"Content-Type": "text/plain"})
        notifier = WebhookNotifier(hook.url("/hook"))
        incident(engine, ["open"])
        (item,) = claim(engine, START, "dead", 10, ROUTING)
        notifier.send(item.alert)
        deliver_due(engine, notifier, START + timedelta(minutes=5), owner="t", routing=ROUTING)
        deliver_due(engine, notifier, START + timedelta(minutes=10), owner="t", routing=ROUTING)
    assert len(hook.hits) == 2


@pytest.mark.parametrize("failure", ["dropped", "internal_error"])
def test_no_blind_repost_after_an_unknown_outcome(
    engine: Engine, slack: SlackServer, failure: str
) -> None:
    """R27: the response is lost after Slack accepted the post (read timeout), or Slack says
    internal_error: the retry checks the channel first and posts only if nothing landed."""
    incident(engine, ["open"])
    if failure == "dropped":
        slack.fail_next("chat.postMessage", Scripted(drop=True))
    else:
        slack.fail_next(
            "chat.postMessage", Scripted(status=500, body={"ok": False, "error": "internal_error"})
        )
    first = deliver_due(engine, bot(slack), START, owner="t", routing=ROUTING)
    assert first.retrying == 1
    retry_at = rows(engine)[0].next_attempt_at
    assert deliver_due(engine, bot(slack), retry_at, owner="t", routing=ROUTING).sent == 1
    assert len(slack.roots()) == 1
    assert "conversations.history" in [c.method for c in slack.calls]


def test_two_deliverers_never_post_the_same_row(engine: Engine, slack: SlackServer) -> None:
    """R28: two deliverers racing for the same row: only one posts it."""
    incident(engine, ["open"])
    slack.fail_next(
        "chat.postMessage",
        Scripted(delay=0.3, body={"ok": True, "channel": "CALERTS00", "ts": "1.000001"}),
    )
    barrier = threading.Barrier(2)
    reports = []

    def run(owner: str) -> None:
        barrier.wait()
        reports.append(deliver_due(engine, bot(slack), START, owner=owner, routing=ROUTING))

    threads = [threading.Thread(target=run, args=(o,)) for o in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slack.posts()) == 1
    assert sorted(r.sent for r in reports) == [0, 1]


def test_permanent_errors_stop_retries_other_channels_unaffected(
    engine: Engine, slack: SlackServer
) -> None:
    """R30: invalid_auth, channel_not_found, not_in_channel, is_archived: no retry, failed
    with the reason and the fix; another channel's alert still goes out."""
    routing = Routing(
        "#alerts", SlackSettings(routes=(SlackRoute(channel="#globex", brand="Globex"),))
    )
    for error in ["invalid_auth", "channel_not_found", "not_in_channel", "is_archived"]:
        incident(engine, ["open"])
        slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": error}))
        report = deliver_due(engine, bot(slack), START, owner="t", routing=routing)
        assert report.failed == 1
        row = rows(engine)[-1]
        assert row.status == "failed" and row.last_error is not None
        assert row.last_error.startswith(f"slack chat.postMessage: {error} (")
    incident(engine, ["open"], brand="Globex")
    assert (
        deliver_due(engine, bot(slack), START + timedelta(days=1), owner="t", routing=routing).sent
        == 1
    )
    assert [m["channel"] for m in slack.roots()] == [channel_id("#globex")]
    assert "SENTINEL" not in json.dumps([r.model_dump(mode="json") for r in rows(engine)])


@pytest.mark.parametrize("status", [403, 404, 410])
def test_webhook_permanent_errors(engine: Engine, status: int) -> None:
    """R30 (webhook): 403/404/410 are not retried; the reason names the likely cause."""
    with HTTPServer() as hook:
        hook.routes["/hook"] = lambda h: send(
            h, status, b"no_service", {"Content-Type": "text/plain"}
        )
        incident(engine, ["open"])
        report = deliver_due(
            engine, WebhookNotifier(hook.url("/hook")), START, owner="t", routing=ROUTING
        )
        assert report.failed == 1
        assert len(hook.hits) == 1
    (row,) = rows(engine)
    assert row.status == "failed" and f"HTTP {status} no_service" in (row.last_error or "")
    assert "/hook" not in (row.last_error or "")


def test_retry_delay_is_capped() -> None:
    """R25: pending alerts are retried with capped backoff."""
    assert retry_delay(1, None) == timedelta(seconds=30)
    assert retry_delay(3, None) == timedelta(seconds=120)
    assert retry_delay(30, None) == timedelta(seconds=900)
    assert retry_delay(1, 300) == timedelta(seconds=300)
    assert retry_delay(5, 2) == timedelta(seconds=2)


def test_lease_of_a_dead_deliverer_expires(engine: Engine, slack: SlackServer) -> None:
    incident(engine, ["open"])
    assert len(claim(engine, START, "dead", 10, ROUTING)) == 1
    assert (
        deliver_due(
            engine, bot(slack), START + timedelta(seconds=30), owner="t", routing=ROUTING
        ).sent
        == 0
    )
    assert (
        deliver_due(
            engine, bot(slack), START + timedelta(minutes=5), owner="t", routing=ROUTING
        ).sent
        == 1
    )


def test_a_channel_given_by_id_is_read_back_before_reposting(
    engine: Engine, slack: SlackServer
) -> None:
    """R27: with the channel given as a bare id ("C1") and three answers lost in a row, the
    channel is resolved once before the first post and read back before every retry: one
    root message, not four."""
    incident(engine, ["open"])
    routing = Routing(default_channel="C1")
    slack.fail_next("chat.postMessage", *[Scripted(drop=True)] * 3)
    notifier = bot(slack)
    at = START
    for _ in range(4):
        deliver_due(engine, notifier, at, owner="t", routing=routing)
        at = max(at, rows(engine)[0].next_attempt_at)
    assert len(slack.roots()) == 1
    assert rows(engine)[0].status == "sent"
    assert "conversations.info" in [c.method for c in slack.calls]


def test_an_alert_that_cannot_be_checked_is_sent_at_most_once_more(
    engine: Engine, slack: SlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    """R27: when the channel cannot be read back (no scope to list channels), a lost
    answer is followed by one more post, said loudly, and then the alert is marked failed
    for a person to check: at most one duplicate, never a stream."""
    incident(engine, ["open"])
    slack.fail_next(
        "conversations.list", *[Scripted(body={"ok": False, "error": "missing_scope"})] * 9
    )
    slack.fail_next("chat.postMessage", *[Scripted(drop=True)] * 3)
    notifier = bot(slack)
    at = START
    for _ in range(4):
        deliver_due(engine, notifier, at, owner="t", routing=ROUTING)
        at = max(at, rows(engine)[0].next_attempt_at)
    assert len(slack.roots()) == 2
    (row,) = rows(engine)
    assert row.status == "failed" and "re-sent once already" in (row.last_error or "")
    assert "slack_channel_unresolved" in caplog.text and "at most one duplicate" in caplog.text


def test_a_permanently_failed_alert_is_sent_once_the_cause_is_fixed(
    db_url: str, engine: Engine, slack: SlackServer, tmp_path: Any
) -> None:
    """After invalid_auth the alert is failed; a restart with the same setup sends nothing,
    a restart with changed Slack settings retries it by itself, and `wommon alerts retry`
    queues it again by hand."""
    from click.testing import CliRunner

    from tests.support.helpers import settings
    from wommon.cli import main
    from wommon.service.app import Pipeline

    incident(engine, ["open"])
    slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": "invalid_auth"}))
    before = settings(db_url)

    def restart(cfg: Any, at: datetime = START) -> Pipeline:
        pipeline = Pipeline(cfg, SimulatedClock(at), notifier=bot(slack), engine=engine)
        pipeline.prepare()
        return pipeline

    assert restart(before).deliver().failed == 1
    calls = len(slack.calls)
    assert restart(before).deliver().sent == 0 and len(slack.calls) == calls
    assert rows(engine)[0].status == "failed"
    fixed = before.model_copy(update={"slack": SlackSettings(channel="#alerts-fixed")})
    assert restart(fixed).deliver().sent == 1
    incident(engine, ["open"])
    slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": "not_in_channel"}))
    assert restart(fixed).deliver().failed == 1
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{db_url}"\n')
    failed_id = rows(engine)[-1].id
    assert CliRunner().invoke(main, ["alerts", "retry", str(cfg)]).exit_code == 1
    result = CliRunner().invoke(main, ["alerts", "retry", str(cfg), "--id", str(failed_id)])
    assert result.exit_code == 0 and "1 alert queued again" in result.output
    assert restart(fixed, datetime.now(UTC) + timedelta(seconds=1)).deliver().sent == 1
