"""The alert's buttons, the incident lifecycle around them, Socket Mode, and R29."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import START
from tests.support.helpers import ACME, STORY, add_mentions
from tests.support.slack_server import Scripted, SlackServer
from wommon.alert.actions import apply_action
from wommon.alert.outbox import Routing, deliver_due
from wommon.alert.slack import SlackNotifier
from wommon.cli import main
from wommon.config import DetectSettings
from wommon.detect.detector import detect_pending
from wommon.store.models import Incident, Outbox

CFG = DetectSettings()
ROUTING = Routing("#alerts")


def _alerting(engine: Engine) -> int:
    add_mentions(engine, [(f"{d}.example", STORY, -0.6, i * 10) for i, d in enumerate("abc")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    with Session(engine) as session:
        inc = session.exec(select(Incident)).one()
        assert inc.id is not None and inc.state == "alerting"
        return inc.id


def _outbox(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(r.kind, r.status) for r in session.exec(select(Outbox).order_by(col(Outbox.id)))]


def test_acknowledge_is_recorded_and_shown_in_the_message(
    engine: Engine, slack: SlackServer
) -> None:
    incident_id = _alerting(engine)
    notifier = SlackNotifier.from_token("xoxb-t", slack.api_url, interactive=True)
    deliver_due(engine, notifier, START + timedelta(hours=1), owner="t", routing=ROUTING)
    (root,) = slack.roots()
    assert any(b["type"] == "actions" for b in root["blocks"])
    assert apply_action(engine, incident_id, "ack", "ana", START + timedelta(hours=2), 24)
    assert (
        deliver_due(engine, notifier, START + timedelta(hours=2), owner="t", routing=ROUTING).sent
        == 1
    )
    assert "Acknowledged by ana" in json.dumps(slack.roots()[0]["blocks"])
    assert (
        slack.messages[-1]["thread_ts"] == root["ts"]
        and slack.messages[-1]["text"] == "Acknowledged by ana"
    )
    assert not apply_action(engine, incident_id, "explode", "ana", START, 24)
    assert not apply_action(engine, 999, "ack", "ana", START, 24)


def test_not_an_incident_silences_the_story_for_good(engine: Engine) -> None:
    incident_id = _alerting(engine)
    apply_action(engine, incident_id, "dismiss", "ana", START + timedelta(hours=2), 24)
    add_mentions(engine, [(f"{d}.example", STORY, -0.7, 130 + i) for i, d in enumerate("defghij")])
    for hours in (3, 4, 30):
        detect_pending(engine, CFG, (ACME,), START + timedelta(hours=hours))
    with Session(engine) as session:
        incidents = list(session.exec(select(Incident)))
        assert [(i.state, i.id) for i in incidents] == [("dismissed", incident_id)]
    assert _outbox(engine) == [("open", "pending"), ("action", "pending")]


def test_snooze_holds_updates_for_a_day(engine: Engine) -> None:
    incident_id = _alerting(engine)
    apply_action(engine, incident_id, "snooze", "ana", START + timedelta(hours=1), 24)
    add_mentions(engine, [(f"{d}.example", STORY, -0.7, 70 + i) for i, d in enumerate("defgh")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=2))
    assert [k for k, _ in _outbox(engine)] == ["open", "action"]
    add_mentions(
        engine, [(f"{d}.example", STORY, -0.7, 60 * 26 + i) for i, d in enumerate("klmno")]
    )
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=26, minutes=10))
    assert [k for k, _ in _outbox(engine)] == ["open", "action", "update"]


def test_redetection_every_cycle_makes_one_thread_and_one_resolution(
    engine: Engine, slack: SlackServer
) -> None:
    """R29: an incident re-detected every cycle: one root, updates only when it changed,
    exactly one "resolved"."""
    _alerting(engine)
    notifier = SlackNotifier.from_token("xoxb-t", slack.api_url)
    now = START + timedelta(hours=1)
    for minute in range(0, 60 * 16, 10):
        now = START + timedelta(hours=1, minutes=minute)
        if minute == 30:
            add_mentions(
                engine, [(f"{d}.example", STORY, -0.7, 90 + i) for i, d in enumerate("xyz")]
            )
        detect_pending(engine, CFG, (ACME,), now)
        deliver_due(engine, notifier, now, owner="t", routing=ROUTING)
    assert len(slack.roots()) == 1
    kinds = [k for k, _ in _outbox(engine)]
    assert kinds == ["open", "update", "resolve"]
    assert all(s == "sent" for _, s in _outbox(engine))
    replies = [m for m in slack.messages if m["thread_ts"]]
    assert len(replies) == 2 and replies[-1]["text"].startswith("*Story has gone quiet*")


def test_socket_mode_button_click_is_recorded(engine: Engine, slack: SlackServer) -> None:
    """A click arrives over Socket Mode (a local WebSocket server standing in for Slack's),
    is acknowledged, and recorded on the incident."""
    ws = pytest.importorskip("websockets.sync.server")
    incident_id = _alerting(engine)
    acks: list[dict[str, object]] = []
    envelope = {
        "envelope_id": "env-1",
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "user": {"id": "U1", "name": "ana"},
            "actions": [{"action_id": "wommon_resolve", "value": str(incident_id)}],
        },
    }

    def handler(conn) -> None:  # type: ignore[no-untyped-def]
        conn.send(json.dumps({"type": "hello", "num_connections": 1}))
        conn.send(json.dumps(envelope))
        try:
            for message in conn:
                acks.append(json.loads(message))
        except Exception:
            return

    from wommon.alert.socketmode import ButtonListener

    with ws.serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slack.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        client = SlackNotifier.from_token("xoxb-t", slack.api_url).client
        listener = ButtonListener(
            "xapp-1-test", client, engine, lambda: START + timedelta(hours=2), 24
        )
        listener.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with Session(engine) as session:
                    inc = session.get(Incident, incident_id)
                    if inc is not None and inc.state == "resolved":
                        break
                time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
        finally:
            listener.stop()
            server.shutdown()
    with Session(engine) as session:
        inc = session.get(Incident, incident_id)
        assert inc is not None
        assert (inc.state, inc.handled_action, inc.handled_by) == ("resolved", "resolve", "ana")
    assert {"envelope_id": "env-1"} in acks
    assert ("action", "pending") in _outbox(engine)


def test_alert_test_command(tmp_path, slack: SlackServer) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "w.toml"
    cfg.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[slack]\nchannel = "#alerts"\napi_url = "{slack.api_url}"\n'
    )
    runner = CliRunner()
    console = runner.invoke(
        main, ["alert-test", str(cfg)], env={"SLACK_BOT_TOKEN": "", "SLACK_WEBHOOK_URL": ""}
    )
    assert console.exit_code == 0 and "sample alert sent to the console" in console.output
    ok = runner.invoke(main, ["alert-test", str(cfg)], env={"SLACK_BOT_TOKEN": "xoxb-good"})
    assert ok.exit_code == 0 and "sample alert sent to Slack channel #alerts (ts " in ok.output
    slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": "not_in_channel"}))
    bad = runner.invoke(main, ["alert-test", str(cfg)], env={"SLACK_BOT_TOKEN": "xoxb-good"})
    assert bad.exit_code == 1
    assert (
        "error: slack chat.postMessage: not_in_channel (the app is not in the channel: /invite"
        in bad.output
    )
