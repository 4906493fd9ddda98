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

from tests.support.slack_server import Scripted, SlackServer
from wommon import logs
from wommon.alert.outbox import Routing, deliver_due
from wommon.alert.slack import SlackNotifier
from wommon.cli import main
from wommon.clock import SystemClock
from wommon.service.metrics import Metrics
from wommon.service.status import snapshot
from wommon.store.db import make_engine, transaction
from wommon.store.models import Incident, Outbox, Source
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
    assert [c.authorization for c in slack.posts()] == [f"Bearer {SENTINEL}"] * 2
    assert {c.authorization for c in slack.calls} == {f"Bearer {SENTINEL}"}


def test_redactor_masks_slack_shapes_without_being_told() -> None:
    text = "xoxb-123-456-abc and xapp-1-A0-99 and https://hooks.slack.com/services/T0/B0/XYZ end"
    assert logs.Redactor()(text) == "*** and *** and *** end"


def test_feed_url_credentials_appear_nowhere(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R37: a feed URL with a password and a token-like query parameter: the fetch error
    stored, the log, `wommon sources` and `wommon inspect` show neither."""
    from tests.support.helpers import settings, source
    from tests.support.http_server import HTTPServer, send
    from wommon.clock import SimulatedClock
    from wommon.service.app import Pipeline

    logs.setup("debug", "text")
    with HTTPServer() as server:
        server.routes["/feed"] = lambda h: send(h, 500, b"down")
        url = server.url("/feed?api_key=KEYSENTINEL9&page=2").replace(
            "http://", "http://alice:PASSSENTINEL9@"
        )
        cfg = settings(db_url, (source("private", url),))
        pipeline = Pipeline(cfg, SimulatedClock(NOW), notifier=None)
        try:
            pipeline.prepare()
            pipeline.collect()
        finally:
            pipeline.close()
        conf = tmp_path / "w.toml"
        conf.write_text(
            f'[storage]\nurl = "{db_url}"\n[[sources]]\nname = "private"\nurl = "{url}"\n'
        )
        runner = CliRunner()
        listed = runner.invoke(main, ["sources", str(conf)])
        inspected = runner.invoke(main, ["inspect", url, "--allow-network", "127.0.0.1/32"])
    with Session(make_engine(db_url)) as session:
        stored = [s.last_error or "" for s in session.exec(select(Source))]
    assert stored and "HTTP 500" in stored[0] and "alice:***@" in stored[0]
    assert "HTTP 500" in listed.output and inspected.exit_code == 1
    captured = capsys.readouterr()
    everywhere = "\n".join([*stored, listed.output, inspected.output, captured.err])
    assert "PASSSENTINEL9" not in everywhere and "KEYSENTINEL9" not in everywhere


def test_redact_url() -> None:
    from wommon.redaction import redact_url

    assert redact_url("https://alice:pw@h.example/f?token=abc&x=1") == (
        "https://alice:***@h.example/f?token=***&x=1"
    )
    assert redact_url("https://h.example/f?page=2") == "https://h.example/f?page=2"


def test_building_a_notifier_registers_its_secrets() -> None:
    """A webhook on any host (not only hooks.slack.com) is masked in every log line once a
    notifier is built for it, whichever command built it (`backfill --alert` too)."""
    from wommon.alert.factory import default_notifier
    from wommon.config import Settings, SlackTarget

    hook = "http://127.0.0.1:1/webhook/T0/HOOKSENTINEL9"
    default_notifier(Settings(), SlackTarget(channel="#a", webhook_url=hook))
    assert "HOOKSENTINEL9" not in logs.REDACT(f"POST {hook} failed")
