from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.conftest import START
from tests.slack_server import Scripted, SlackServer
from wommon.alert.console import ConsoleNotifier
from wommon.alert.notifier import Alert
from wommon.alert.outbox import deliver_due, retry_delay
from wommon.alert.slack import SlackNotifier, blocks, escape
from wommon.store.db import transaction
from wommon.store.models import Incident, Outbox
from wommon.store.outbox import enqueue

TOKEN = "xoxb-SENTINEL-123"
PAYLOAD = {
    "incident_id": 1,
    "brand": "Acme",
    "label": "Acme charged me twice <!channel>",
    "state": "alerting",
    "severity": "low",
    "mentions": 3,
    "sources": 3,
    "first_seen": START.isoformat(),
    "last_seen": (START + timedelta(hours=2)).isoformat(),
    "excerpts": [
        {
            "title": "Charged twice <@U1> & more",
            "url": "https://a.example/1",
            "domain": "a.example",
            "text": "",
        }
    ],
}


def _incident(engine: Engine, kinds: list[str]) -> int:
    with transaction(engine) as session:
        inc = Incident(brand="Acme", label="x", first_seen=START, last_seen=START, updated_at=START)
        session.add(inc)
        session.flush()
        assert inc.id is not None
        for kind in kinds:
            key = f"incident-{inc.id}-{kind}"
            assert enqueue(
                session, incident_id=inc.id, kind=kind, key=key, payload=PAYLOAD, now=START
            )
        assert not enqueue(
            session,
            incident_id=inc.id,
            kind="open",
            key=f"incident-{inc.id}-open",
            payload=PAYLOAD,
            now=START,
        )
        return inc.id


def _rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def _notifier(slack: SlackServer) -> SlackNotifier:
    return SlackNotifier.from_token(TOKEN, "#alerts", slack.api_url)


def test_escape_keeps_feed_text_from_pinging_anyone() -> None:
    """R31 (escaping): `<!channel>`, `<@U1>` and `&<>` from a feed reach Slack as text."""
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    rendered = json.dumps(blocks(Alert("k", "open", PAYLOAD)))
    assert "<!channel>" not in rendered and "<@U1>" not in rendered
    assert "&lt;!channel&gt;" in rendered


def test_console_notifier_prints_the_story() -> None:
    out = io.StringIO()
    ConsoleNotifier(out).send(Alert("k", "open", PAYLOAD))
    text = out.getvalue()
    assert "Negative story spreading — Acme: Acme charged me twice" in text
    assert "3 negative mentions from 3 independent sources in 2.0 h" in text
    assert "https://a.example/1" in text


def test_root_message_then_update_in_place_and_in_thread(
    engine: Engine, slack: SlackServer
) -> None:
    incident_id = _incident(engine, ["open", "update"])
    notifier = _notifier(slack)
    first = deliver_due(engine, notifier, START, owner="t")
    assert (first.sent, first.retrying, first.failed) == (1, 0, 0)
    (root,) = slack.posts()
    assert root.authorization == f"Bearer {TOKEN}"
    assert root.body["channel"] == "#alerts"
    assert root.body["metadata"] == {
        "event_type": "wommon_alert",
        "event_payload": {"key": f"incident-{incident_id}-open"},
    }
    second = deliver_due(engine, notifier, START, owner="t")
    assert second.sent == 1
    update = [c for c in slack.calls if c.method == "chat.update"]
    assert len(update) == 1 and update[0].body["ts"] == "1700000001.000100"
    assert slack.posts()[1].body["thread_ts"] == "1700000001.000100"
    assert len(slack.roots()) == 1
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.slack_ts == "1700000001.000100"
    assert [r.status for r in _rows(engine)] == ["sent", "sent"]
    assert deliver_due(engine, notifier, START + timedelta(hours=1), owner="t").sent == 0


def test_server_error_is_retried_later_not_now(engine: Engine, slack: SlackServer) -> None:
    _incident(engine, ["open"])
    slack.fail_next(
        "chat.postMessage", Scripted(status=500, body={"ok": False, "error": "internal_error"})
    )
    report = deliver_due(engine, _notifier(slack), START, owner="t")
    assert (report.sent, report.retrying) == (0, 1)
    (row,) = _rows(engine)
    assert (row.status, row.attempts, row.last_error) == (
        "pending",
        1,
        "slack chat.postMessage: internal_error",
    )
    assert row.next_attempt_at == START + retry_delay(1, None)
    assert deliver_due(engine, _notifier(slack), START + timedelta(seconds=5), owner="t").sent == 0
    assert deliver_due(engine, _notifier(slack), row.next_attempt_at, owner="t").sent == 1
    assert len(slack.posts()) == 2  # the failed attempt and the retry that landed
    assert _rows(engine)[0].status == "sent"


def test_rate_limit_waits_for_retry_after(engine: Engine, slack: SlackServer) -> None:
    """R23 (first part): a 429 waits for Retry-After before the next attempt."""
    _incident(engine, ["open"])
    slack.fail_next(
        "chat.postMessage",
        Scripted(
            status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "120"}
        ),
    )
    deliver_due(engine, _notifier(slack), START, owner="t")
    (row,) = _rows(engine)
    assert row.status == "pending" and row.next_attempt_at == START + timedelta(seconds=120)


@pytest.mark.parametrize(
    "error", ["invalid_auth", "channel_not_found", "not_in_channel", "is_archived"]
)
def test_permanent_errors_stop_retries_and_never_show_the_token(
    engine: Engine, slack: SlackServer, error: str
) -> None:
    """R30, R37: permanent Slack errors are not retried; the token appears nowhere."""
    _incident(engine, ["open"])
    slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": error}))
    report = deliver_due(engine, _notifier(slack), START, owner="t")
    assert report.failed == 1
    (row,) = _rows(engine)
    assert (row.status, row.last_error) == ("failed", f"slack chat.postMessage: {error}")
    assert deliver_due(engine, _notifier(slack), START + timedelta(days=1), owner="t").sent == 0
    assert len(slack.posts()) == 1
    assert "SENTINEL" not in json.dumps([r.model_dump(mode="json") for r in _rows(engine)])


def test_slack_unreachable_is_retryable(engine: Engine) -> None:
    _incident(engine, ["open"])
    notifier = SlackNotifier.from_token(TOKEN, "#alerts", "http://127.0.0.1:9/api/")
    report = deliver_due(engine, notifier, START, owner="t")
    assert report.retrying == 1
    (row,) = _rows(engine)
    assert row.status == "pending" and "SENTINEL" not in (row.last_error or "")


def test_retry_delay_is_capped() -> None:
    """R25: pending alerts are retried with capped backoff."""
    assert retry_delay(1, None) == timedelta(seconds=30)
    assert retry_delay(3, None) == timedelta(seconds=120)
    assert retry_delay(30, None) == timedelta(seconds=900)
    assert retry_delay(1, 300) == timedelta(seconds=300)


def test_crash_while_sending_is_retried_after_the_lease(engine: Engine, slack: SlackServer) -> None:
    """A row claimed by a deliverer that died is taken over once its lease expires."""
    from wommon.alert.outbox import claim

    _incident(engine, ["open"])
    assert len(claim(engine, START, "dead", 10)) == 1
    assert deliver_due(engine, _notifier(slack), START + timedelta(seconds=30), owner="t").sent == 0
    assert deliver_due(engine, _notifier(slack), START + timedelta(minutes=5), owner="t").sent == 1
