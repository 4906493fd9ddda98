"""The team's verdicts from Slack: the menu beside each quoted mention, the label rows it
stores, muting a site, and `wommon labels export` / `wommon train --from-labels`."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support import START
from tests.support.helpers import ACME, STORY, add_mentions
from tests.support.slack_server import SlackServer
from wommon.alert.actions import apply_action
from wommon.alert.blocks import VERDICT_ACTION
from wommon.alert.outbox import Routing, deliver_due
from wommon.alert.slack import SlackNotifier
from wommon.cli import main
from wommon.config import DetectSettings
from wommon.detect.detector import detect_pending
from wommon.store import labels
from wommon.store.enums import Verdict
from wommon.store.models import BrandHour, Incident, Label, Mention, MutedSite

CFG = DetectSettings()


def _alerting(engine: Engine) -> int:
    add_mentions(engine, [(f"{d}.example", STORY, -0.6, i * 10) for i, d in enumerate("abc")])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=1))
    with Session(engine) as session:
        inc = session.exec(select(Incident)).one()
        assert inc.id is not None
        return inc.id


def _mention(engine: Engine, domain: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Mention).where(Mention.domain == domain)).first()
        assert found is not None and found.id is not None
        return found.id


def test_each_quoted_mention_offers_the_verdicts(engine: Engine, slack: SlackServer) -> None:
    _alerting(engine)
    notifier = SlackNotifier.from_token("xoxb-t", slack.api_url, interactive=True)
    deliver_due(engine, notifier, START + timedelta(hours=1), owner="t", routing=Routing("#a"))
    (root,) = slack.roots()
    menus = [b["accessory"] for b in root["blocks"] if "accessory" in b]
    assert menus and all(m["action_id"] == VERDICT_ACTION for m in menus)
    with Session(engine) as session:
        ids = {m.id for m in session.exec(select(Mention))}
    values = [o["value"] for m in menus for o in m["options"]]
    assert {v.split(":")[0] for v in values} == {v.value for v in Verdict}
    assert {int(v.split(":")[1]) for v in values} <= ids


def test_a_verdict_is_stored_with_the_mention_text(engine: Engine) -> None:
    _alerting(engine)
    mention = _mention(engine, "a.example")
    assert labels.record(engine, mention, Verdict.NOT_A_COMPLAINT, "ana", START)
    assert not labels.record(engine, 99_999, Verdict.NOT_ABOUT_US, "ana", START)
    with Session(engine) as session:
        (label,) = session.exec(select(Label)).all()
    assert (label.verdict, label.brand, label.domain, label.labelled_by) == (
        "not_a_complaint",
        "Acme",
        "a.example",
        "ana",
    )
    assert label.text == STORY


def _counted(engine: Engine, hour: datetime) -> int:
    with Session(engine) as session:
        return session.exec(select(BrandHour.negative).where(BrandHour.hour == hour)).one()


def test_a_muted_site_stops_counting_for_the_brand(engine: Engine) -> None:
    incident_id = _alerting(engine)
    first_hour = START.replace(minute=0)
    assert _counted(engine, first_hour) == 3
    assert labels.record(engine, _mention(engine, "a.example"), Verdict.MUTE_SITE, "ana", START)
    assert _counted(engine, first_hour) == 2  # what a.example had added is taken back
    assert labels.record(engine, _mention(engine, "a.example"), Verdict.MUTE_SITE, "bo", START)
    with Session(engine) as session:
        assert [(m.brand, m.domain, m.muted_by) for m in session.exec(select(MutedSite))] == [
            ("Acme", "a.example", "ana")
        ]
        before = session.get(Incident, incident_id)
        assert before is not None
        mentions_before = before.mentions
    # The muted site keeps writing about the story: none of it counts; another site does.
    add_mentions(engine, [("a.example", STORY, -0.7, 100 + i) for i in range(5)])
    add_mentions(engine, [("z.example", STORY, -0.7, 110)])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=3))
    with Session(engine) as session:
        after = session.get(Incident, incident_id)
        assert after is not None and after.mentions == mentions_before + 1
        joined = session.exec(
            select(Mention.domain).where(col(Mention.incident_id) == incident_id)
        ).all()
        assert joined.count("a.example") == 1  # the one from before the mute
        hour = START.replace(minute=0) + timedelta(hours=1)
        counted = session.exec(select(BrandHour).where(BrandHour.hour == hour)).one()
        assert counted.negative == 1  # z.example alone; a.example's five are muted


def test_socket_mode_menu_choice_is_recorded(engine: Engine, slack: SlackServer) -> None:
    ws = pytest.importorskip("websockets.sync.server")
    _alerting(engine)
    mention = _mention(engine, "b.example")
    envelope = {
        "envelope_id": "env-9",
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "user": {"id": "U1", "name": "ana"},
            "actions": [
                {
                    "action_id": VERDICT_ACTION,
                    "type": "overflow",
                    "selected_option": {"value": f"not_about_us:{mention}"},
                },
                {
                    "action_id": VERDICT_ACTION,
                    "type": "overflow",
                    "selected_option": {"value": "explode:1"},
                },
            ],
        },
    }

    def handler(conn) -> None:  # type: ignore[no-untyped-def]
        conn.send(json.dumps({"type": "hello", "num_connections": 1}))
        conn.send(json.dumps(envelope))
        try:
            for _ in conn:
                pass
        except Exception:
            return

    from wommon.alert.socketmode import ButtonListener

    with ws.serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        slack.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        client = SlackNotifier.from_token("xoxb-t", slack.api_url).client
        listener = ButtonListener("xapp-1-test", client, engine, lambda: START, 24)
        listener.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with Session(engine) as session:
                    if session.exec(select(Label)).first() is not None:
                        break
                time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
        finally:
            listener.stop()
            server.shutdown()
    with Session(engine) as session:
        rows = [(r.verdict, r.mention_id, r.labelled_by) for r in session.exec(select(Label))]
    assert rows == [("not_about_us", mention, "ana")]


def _config(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "wommon.toml"
    path.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[analyze]\nmodel = "own.npz"\n\n'
        '[[brands]]\nname = "Acme"\n'
    )
    return path


def test_export_lists_verdicts_and_confirmed_mentions(
    engine: Engine, tmp_path: Path, db_url: str
) -> None:
    incident_id = _alerting(engine)
    assert labels.record(engine, _mention(engine, "a.example"), Verdict.NOT_ABOUT_US, "bo", START)
    assert apply_action(engine, incident_id, "ack", "ana", START + timedelta(hours=2), 24)
    result = CliRunner().invoke(main, ["labels", "export", str(_config(tmp_path, db_url))])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["label"], r["reason"], r["domain"]) for r in rows] == [
        ("other", "not_about_us", "a.example"),
        ("complaint", "incident_ack", "b.example"),
        ("complaint", "incident_ack", "c.example"),
    ]


def test_train_from_labels_refuses_too_few_then_trains(
    engine: Engine, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, db_url)
    incident_id = _alerting(engine)
    apply_action(engine, incident_id, "ack", "ana", START + timedelta(hours=2), 24)
    few = CliRunner().invoke(main, ["train", "--from-labels", "--config", str(config)])
    assert few.exit_code == 1
    assert "too few labelled rows" in few.output and "'other': 0" in few.output
    complaints = [f"@acme my order {n} never arrived and nobody answers" for n in range(100, 125)]
    passing = [f"watching the game at the acme bar number {n} tonight" for n in range(25)]
    add_mentions(engine, [(f"c{i}.example", t, -0.5, 200 + i) for i, t in enumerate(complaints)])
    add_mentions(engine, [(f"p{i}.example", t, -0.5, 300 + i) for i, t in enumerate(passing)])
    detect_pending(engine, CFG, (ACME,), START + timedelta(hours=8))
    with Session(engine) as session:
        for m in session.exec(select(Mention).where(col(Mention.domain).like("c%"))):
            m.incident_id = incident_id
            session.add(m)
        session.commit()
        passing_ids = [
            m.id for m in session.exec(select(Mention).where(col(Mention.domain).like("p%")))
        ]
    for mention_id in passing_ids:
        assert mention_id is not None
        labels.record(engine, mention_id, Verdict.NOT_ABOUT_US, "bo", START)
    done = CliRunner().invoke(main, ["train", "--from-labels", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert "this model (5-fold CV)" in done.output and "shipped default" in done.output
    assert (tmp_path / "own.npz").exists()
    checked = CliRunner().invoke(main, ["check", str(config)])
    assert "analysis: complaint model" in checked.output
