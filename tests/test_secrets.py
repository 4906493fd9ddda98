"""R37: a sentinel token, through DNS-less connection failures, TLS errors, 500s and
invalid_auth, appears nowhere: logs, tracebacks, database, CLI output, metrics."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client import generate_latest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tests.slack_server import Scripted, SlackServer
from wommon import logs
from wommon.alert.outbox import Routing, deliver_due
from wommon.alert.slack import SlackNotifier
from wommon.cli import main
from wommon.clock import SystemClock
from wommon.metrics import Metrics
from wommon.status import snapshot
from wommon.store.db import transaction
from wommon.store.models import Incident, Outbox
from wommon.store.outbox import enqueue

SENTINEL = "xoxb-SENTINEL-0123456789"
NOW = SystemClock().now()
PAYLOAD = {
    "brand": "Acme",
    "label": "x",
    "state": "alerting",
    "severity": "low",
    "mentions": 3,
    "sources": 2,
    "first_seen": NOW.isoformat(),
    "last_seen": NOW.isoformat(),
    "excerpts": [],
}


def _queue(engine: Engine, n: int) -> None:
    with transaction(engine) as session:
        for i in range(n):
            inc = Incident(
                brand="Acme", label=f"s{i}", first_seen=NOW, last_seen=NOW, updated_at=NOW
            )
            session.add(inc)
            session.flush()
            assert inc.id is not None
            enqueue(session, incident_id=inc.id, kind="open", key=f"k{i}", payload=PAYLOAD, now=NOW)


def test_sentinel_token_appears_nowhere(
    engine: Engine,
    db_url: str,
    slack: SlackServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.setup("debug", "text")
    logs.REDACT.add(SENTINEL)
    _queue(engine, 4)
    slack.fail_next(
        "chat.postMessage", Scripted(status=500, body={"ok": False, "error": "internal_error"})
    )
    slack.fail_next("chat.postMessage", Scripted(body={"ok": False, "error": "invalid_auth"}))
    port = slack.api_url.split(":")[2].split("/")[0]
    targets = [
        "http://127.0.0.1:1/api/",  # connection refused
        f"https://127.0.0.1:{port}/api/",  # TLS handshake against a plain-HTTP server
        slack.api_url,  # 500
        slack.api_url,  # invalid_auth
    ]
    for url in targets:
        deliver_due(
            engine,
            SlackNotifier.from_token(SENTINEL, url),
            NOW,
            owner="t",
            limit=1,
            routing=Routing("#alerts"),
        )
    logging.getLogger("wommon.test").exception(
        "boom with %s", SENTINEL, exc_info=RuntimeError(f"token={SENTINEL}")
    )
    with Session(engine) as session:
        rows = [r.model_dump(mode="json") for r in session.exec(select(Outbox))]
    assert {r["status"] for r in rows} == {"pending", "failed"}
    assert any("invalid_auth" in (r["last_error"] or "") for r in rows)
    metrics = Metrics()
    metrics.watch_database(lambda: snapshot(engine, NOW))
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{db_url}"\n[slack]\nchannel = "#alerts"\n')
    status = CliRunner().invoke(main, ["status", str(cfg)], env={"SLACK_BOT_TOKEN": SENTINEL})
    assert status.exit_code == 1 and "invalid_auth" in status.output
    captured = capsys.readouterr()
    everywhere = "\n".join(
        [
            captured.out,
            captured.err,
            json.dumps(rows),
            status.output,
            generate_latest(metrics.registry).decode(),
        ]
    )
    assert "SENTINEL" not in everywhere
    assert "boom with ***" in captured.err and "token=***" in captured.err
    assert [c.authorization for c in slack.calls] == [f"Bearer {SENTINEL}"] * 2


def test_redactor_masks_slack_shapes_without_being_told() -> None:
    text = "xoxb-123-456-abc and xapp-1-A0-99 and https://hooks.slack.com/services/T0/B0/XYZ end"
    assert logs.Redactor()(text) == "*** and *** and *** end"
