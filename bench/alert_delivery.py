"""Alert delivery benchmark against a local Slack-compatible server.

1. Latency from outbox insert to Slack's answer, one alert at a time (median, p99), with
   chat.postMessage answered directly by the local server in the same process as baseline.
2. 50 alerts for one channel at once, paced at Slack's 1 message/s: total time, messages/s.
3. The daemon SIGKILLed at 50 random points while it delivers (the server holds each answer
   100 ms, widening the window between Slack accepting a post and wommon recording it),
   restarted each time: alerts lost and duplicates.

    python bench/alert_delivery.py [--kills 50] [--latency 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient

from tests.support.daemons import daemon_env, kill_at_random, start_daemon
from tests.support.slack_server import SlackServer
from wommon.alert.outbox import Routing, deliver_due
from wommon.alert.pacer import Pacer
from wommon.alert.sample import sample_payload
from wommon.alert.slack import SlackNotifier
from wommon.store.db import make_engine, transaction, upgrade
from wommon.store.models import Incident
from wommon.store.outbox import enqueue


def queue(engine, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        for i in range(start, start + n):
            inc = Incident(
                brand="Acme",
                label=f"story {i}",
                first_seen=datetime.now(UTC),
                last_seen=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
            session.add(inc)
            session.flush()
            enqueue(
                session,
                incident_id=inc.id,
                kind="open",
                key=f"alert-{i}",
                payload=sample_payload("Acme", datetime.now(UTC), i),
                now=datetime.now(UTC),
            )


def latency(slack: SlackServer, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/b.db")
        upgrade(engine)
        notifier = SlackNotifier.from_token("xoxb-bench", slack.api_url)
        ours, raw = [], []
        client = WebClient(token="xoxb-bench", base_url=slack.api_url, retry_handlers=[])
        for i in range(n):
            started = time.perf_counter()
            queue(engine, 1, start=i)
            deliver_due(
                engine, notifier, datetime.now(UTC), owner="bench", routing=Routing(f"#lat{i}")
            )
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.chat_postMessage(channel="#raw", text="x")
            raw.append(time.perf_counter() - started)
        engine.dispose()
    q = statistics.quantiles(ours, n=100)
    qr = statistics.quantiles(raw, n=100)
    print(
        f"latency, outbox insert -> Slack answer ({n} alerts): median {statistics.median(ours) * 1000:.1f} ms, "
        f"p99 {q[98] * 1000:.1f} ms; bare chat.postMessage: median {statistics.median(raw) * 1000:.1f} ms, "
        f"p99 {qr[98] * 1000:.1f} ms; ratio of medians {statistics.median(ours) / statistics.median(raw):.1f}"
    )


def burst(slack: SlackServer) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/b.db")
        upgrade(engine)
        queue(engine, 50)
        before = len(slack.roots())
        started = time.perf_counter()
        report = deliver_due(
            engine,
            SlackNotifier.from_token("xoxb-bench", slack.api_url),
            datetime.now(UTC),
            owner="bench",
            routing=Routing("#burst"),
            pacer=Pacer(1.0),
        )
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(
        f"50 alerts for one channel: {report.sent} sent, {len(slack.roots()) - before} in Slack, "
        f"{elapsed:.1f} s, {report.sent / elapsed:.2f} messages/s"
    )


def kills(slack: SlackServer, rounds: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "k.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        cfg = Path(tmp) / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{db}"\n'
            f'[slack]\nchannel = "#kills"\napi_url = "{slack.api_url}"\nmessages_per_second = 20\n'
            "[daemon]\ndeliver_every_seconds = 1\ncollect_every_seconds = 60\n"
        )
        env = daemon_env(SLACK_BOT_TOKEN="xoxb-bench")
        slack.answer_delay["chat.postMessage"] = 0.1
        queued = 0

        def more() -> None:
            nonlocal queued
            queue(engine, 5, start=queued)
            queued += 5

        more()
        kill_at_random(cfg, env, rng, rounds, (0.8, 3.0), after_each=more)
        proc = start_daemon(cfg, env)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            keys = Counter(
                m["metadata"]["event_payload"]["key"]
                for m in slack.roots()
                if (m.get("metadata") or {})
                .get("event_payload", {})
                .get("key", "")
                .startswith("alert-")
            )
            if len(keys) >= queued:
                break
            time.sleep(0.5)
        time.sleep(3)
        proc.terminate()
        proc.wait(30)
        engine.dispose()
    keys = Counter(
        m["metadata"]["event_payload"]["key"]
        for m in slack.roots()
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("alert-")
    )
    lost = queued - len(keys)
    duplicates = sum(c - 1 for c in keys.values())
    print(
        f"SIGKILL at {rounds} random points during delivery ({queued} alerts): lost {lost}, duplicates {duplicates}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--latency", type=int, default=200)
    args = parser.parse_args()
    if args.latency >= 2:
        with SlackServer() as slack:
            latency(slack, args.latency)
    with SlackServer() as slack:
        burst(slack)
    with SlackServer() as slack:
        kills(slack, args.kills)


if __name__ == "__main__":
    main()
