from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from tests.support import START
from tests.support.helpers import settings, source, story_feeds
from tests.support.slack_server import SlackServer, channel_id
from wommon.alert.slack import SlackNotifier
from wommon.clock import SimulatedClock
from wommon.demo.feedserver import FeedServer
from wommon.service.app import Pipeline
from wommon.store.models import Incident, Mention, Outbox


def test_feeds_to_one_slack_alert(db_url: str, clock: SimulatedClock, slack: SlackServer) -> None:
    """A story spreading over three sites becomes exactly one root message in Slack; the
    daemon's stages run on a simulated clock against real HTTP servers."""
    with FeedServer(clock, story_feeds(START)) as feeds:
        cfg = settings(db_url, tuple(source(n, feeds.url(n)) for n in feeds.feeds))
        notifier = SlackNotifier.from_token("xoxb-test", slack.api_url)
        pipeline = Pipeline(cfg, clock, notifier=notifier)
        try:
            pipeline.prepare()
            for _ in range(16):
                pipeline.run_once()
                clock.advance(timedelta(minutes=15))
            with Session(pipeline.engine) as session:
                mentions = list(session.exec(select(Mention)))
                incidents = list(session.exec(select(Incident).order_by(col(Incident.id))))
                outbox = list(session.exec(select(Outbox)))
        finally:
            pipeline.close()
    assert len(mentions) == 4
    assert sum(bool(m.negative) for m in mentions) == 3
    assert [(i.state, i.mentions, i.sources) for i in incidents] == [("alerting", 3, 3)]
    assert [(o.kind, o.status) for o in outbox] == [("open", "sent")]
    (root,) = slack.roots()
    assert len(slack.posts()) == 1
    assert "Acme charged me twice" in root["text"]
    assert root["channel"] == channel_id("#alerts")
    assert incidents[0].slack_ts == outbox[0].slack_ts


def test_a_backlog_bigger_than_a_batch_drains_in_one_job_run(
    db_url: str, clock: SimulatedClock
) -> None:
    """Twelve pending mentions and batches of five: one detect job takes all of them in
    three runs, and stops (the running total must not keep it looping)."""
    from tests.support.helpers import add_mentions
    from wommon.alert.console import ConsoleNotifier

    cfg = settings(db_url, batch_mentions=5)
    pipeline = Pipeline(cfg, clock, notifier=ConsoleNotifier())
    try:
        pipeline.prepare()
        add_mentions(
            pipeline.engine,
            [(f"s{i}.example", f"Acme charged me twice ({i})", -0.6, i) for i in range(12)],
            start=START,
        )
        report = pipeline.detect()
        with Session(pipeline.engine) as session:
            pending = session.exec(select(Mention).where(col(Mention.detected_at).is_(None)))
            left = list(pending)
    finally:
        pipeline.close()
    assert report.mentions == 12 and not report.full and left == []
