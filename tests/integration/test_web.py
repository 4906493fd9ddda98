"""The web UI, the report and the exports: the figures behind each chart (on a seeded
database and a simulated clock), what the pages show and refuse, and the files written."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from tests.support.helpers import seed_story, settings
from tests.support.slack_server import Scripted, SlackServer
from wommon.charts import draw as charts
from wommon.charts.figures import MarkerKind, brand_series, markers, poisson_quantile
from wommon.cli import main
from wommon.clock import SimulatedClock
from wommon.config import WebSettings, parse, web_token
from wommon.detect.spread import SpreadState, observe, projection
from wommon.detect.timeline import MentionFact, growth, hourly
from wommon.errors import ConfigError
from wommon.store.db import transaction
from wommon.store.models import Incident, Mention
from wommon.web import reads
from wommon.web.app import create_app
from wommon.web.links import safe_href, slack_thread

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> Acme'
SVG = "{http://www.w3.org/2000/svg}"


def uses_in(svg: bytes, gid: str) -> int:
    """Data points drawn in the SVG group `gid` (each dot is a <use> of one marker)."""
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)
    return sum(1 for _ in group.iter(f"{SVG}use"))


# --- figures -----------------------------------------------------------------------------


def test_growth_has_one_point_per_busy_interval_and_counts_every_mention() -> None:
    minutes = [0, 0, 1, 5, 5, 5, 59]
    facts = [MentionFact(START + timedelta(minutes=m), f"s{m}", "a", None) for m in minutes]
    points, bucket = growth(facts)
    assert bucket == timedelta(minutes=1)
    assert [p.mentions for p in points] == [2, 3, 6, 7]
    assert points[0].at == START + timedelta(minutes=1)
    # A week-long story is drawn with at most 240 points, still ending at its total.
    week = [MentionFact(START + timedelta(minutes=7 * i), "s", "a", None) for i in range(1440)]
    points, bucket = growth(week)
    assert len(points) <= 240 and points[-1].mentions == 1440 and bucket == timedelta(hours=1)


def test_voices_discount_repeated_sites_authors_and_copies() -> None:
    at = START
    facts = [
        MentionFact(at, "a.example", "ann", "f1"),
        MentionFact(at + timedelta(minutes=1), "a.example", "bob", "f2"),  # same site: 0.5
        MentionFact(at + timedelta(minutes=2), "a.example", "bob", "f3"),  # same author: 0.1
        MentionFact(at + timedelta(minutes=3), "b.example", "cy", "f1"),  # a copy: 0
        MentionFact(at + timedelta(minutes=4), "c.example", "di", "f4", weight=2.0),
    ]
    points, _ = growth(facts)
    assert [p.voices for p in points] == [1.0, 1.5, 1.6, 1.6, 3.6]


def test_the_chart_replays_the_voices_detection_counted(engine: Engine) -> None:
    seed_story(engine, 40)
    with transaction(engine) as session:
        incident = session.exec(select(Incident)).one()
        series = reads.incident_chart(session, incident.id or 0, START + timedelta(hours=4))
        assert series is not None
        assert series.points[-1].mentions == incident.mentions == 40
        assert series.points[-1].voices == pytest.approx(incident.voices, abs=1e-3)


def test_hourly_counts_whole_hours_up_to_the_end() -> None:
    times = [START + timedelta(minutes=m) for m in (0, 10, 70, 190, 300)]
    assert hourly(times, START + timedelta(minutes=200), 4) == (2, 1, 0, 1)


def test_forecast_band_holds_the_median_and_grows() -> None:
    state = SpreadState()
    for m in range(10):
        state = observe(state, START + timedelta(minutes=10 * m), 1.0)
    now = START + timedelta(hours=2)
    p = projection(state, now, (0.0, 1.0, 6.0, 24.0))
    assert p.times[0] == now and p.median[0] == p.low[0] == p.high[0] == 10
    assert all(lo <= me <= hi for lo, me, hi in zip(p.low, p.median, p.high, strict=True))
    assert list(p.median) == sorted(p.median) and p.high[-1] > p.median[-1] > 10


def test_markers_are_alerts_and_the_last_choice_in_time_order() -> None:
    found = markers(
        [("open", START), ("update", START), ("escalate", START + timedelta(hours=2))],
        ("ack", START + timedelta(hours=1)),
    )
    assert [m.kind for m in found] == [
        MarkerKind.ALERTED,
        MarkerKind.ACKNOWLEDGED,
        MarkerKind.ESCALATED,
    ]


def test_brand_band_is_learnt_from_the_hours_before() -> None:
    end = START + timedelta(days=35)
    counts = {START + timedelta(hours=h): 2 for h in range(35 * 24)}
    counts[end.replace(minute=0)] = 30
    series = brand_series(counts, end, days=14)
    assert len(series.hours) == 14 * 24 and series.observed[-1] == 30
    assert series.expected[-2] == 2 and series.low[-2] <= 2 <= series.high[-2]
    assert series.unusual_hours == 1
    assert poisson_quantile(2.0, 0.95) == 5 and poisson_quantile(0.0, 0.95) == 0


def test_links_are_only_web_addresses() -> None:
    assert safe_href("https://a.example/x") == "https://a.example/x"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//a", ""):
        assert safe_href(bad) is None
    assert (
        slack_thread("https://acme.slack.com", "C0123", "1712.000200")
        == "https://acme.slack.com/archives/C0123/p1712000200"
    )


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def seeded(engine: Engine) -> tuple[Engine, datetime]:
    now = seed_story(engine, 40, title=HOSTILE)
    with transaction(engine) as session:
        for m in session.exec(select(Mention)):
            m.url = "javascript:alert(1)" if (m.id or 0) % 2 else m.url
            m.aspect = "billing"
            session.add(m)
    return engine, now


def client(engine: Engine, now: datetime, db_url: str, token: str | None = None) -> FlaskClient:
    app = create_app(engine, settings(db_url), SimulatedClock(now), token=token)
    return app.test_client()


def test_pages_show_feed_text_as_text_under_a_strict_policy(
    seeded: tuple[Engine, datetime], db_url: str
) -> None:
    engine, now = seeded
    c = client(engine, now, db_url)
    for path in ("/incidents", "/incidents/1", "/brands/Acme"):
        response = c.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script" not in html and "onerror=alert" not in html.replace(
            "onerror=alert(1)&gt;", ""
        )
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = c.get("/incidents/1").get_data(as_text=True)
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and "https://site0.example/" in html
    assert c.post("/incidents").status_code == 405
    assert c.get("/incidents/99").status_code == 404


def test_incident_chart_has_a_point_per_busy_minute_and_its_forecast(
    seeded: tuple[Engine, datetime], db_url: str
) -> None:
    engine, now = seeded
    c = client(engine, now, db_url)
    response = c.get("/incidents/1/chart.svg")
    assert response.mimetype == "image/svg+xml"
    assert "script" not in response.headers["Content-Security-Policy"]
    svg = response.data
    assert uses_in(svg, "mentions") == 40 and uses_in(svg, "voices") == 40
    ids = {g.get("id") for g in ET.fromstring(svg).iter(f"{SVG}g")}
    assert {"forecast", "band", "marker-alerted"} <= ids
    assert c.get("/incidents/1/chart.png").data[:8] == b"\x89PNG\r\n\x1a\n"
    assert c.get("/incidents/1/spark.svg").status_code == 200
    assert c.get("/brands/Acme/chart.svg").status_code == 200
    assert c.get("/brands/Acme/aspects.svg").status_code == 200


def test_list_filters_by_brand_state_and_time(seeded: tuple[Engine, datetime], db_url: str) -> None:
    engine, now = seeded
    c = client(engine, now, db_url)
    assert "/incidents/1" in c.get("/incidents?brand=acme").get_data(as_text=True)
    assert "/incidents/1" not in c.get("/incidents?brand=Other").get_data(as_text=True)
    assert "/incidents/1" not in c.get("/incidents?state=resolved").get_data(as_text=True)
    assert "/incidents/1" in c.get("/incidents?state=all&since=2026-03-02").get_data(as_text=True)
    assert "/incidents/1" not in c.get("/incidents?since=2026-03-03").get_data(as_text=True)
    bad = c.get("/incidents?since=yesterday")
    assert bad.status_code == 400 and "neither a date" in bad.get_data(as_text=True)
    assert c.get("/incidents?state=bogus").status_code == 400


def test_a_token_guards_every_page(seeded: tuple[Engine, datetime], db_url: str) -> None:
    engine, now = seeded
    c = client(engine, now, db_url, token="s3cret")
    assert c.get("/incidents").status_code == 401
    assert "Basic" in c.get("/incidents/1/chart.svg").headers["WWW-Authenticate"]
    basic = base64.b64encode(b"team:s3cret").decode()
    assert c.get("/incidents", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert c.get("/incidents", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert c.get("/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_beyond_loopback_the_web_ui_needs_a_token(tmp_path: Path) -> None:
    public = parse('[web]\nlisten = "0.0.0.0:8080"\n')
    with pytest.raises(ConfigError, match="WOMMON_WEB_TOKEN"):
        web_token(public, env={})
    assert web_token(public, env={"WOMMON_WEB_TOKEN": "t"}) == "t"
    assert web_token(parse('[web]\nlisten = "127.0.0.1:8080"\n'), env={}) is None
    with pytest.raises(ConfigError, match=r"web\.token: secrets do not belong"):
        parse('[web]\nlisten = "127.0.0.1:8080"\ntoken = "x"\n')
    with pytest.raises(ConfigError, match=r"web\.listen"):
        parse('[web]\nlisten = "example.org:80"\n')
    assert WebSettings(public_url="https://w.example/").public_url == "https://w.example"
    config = tmp_path / "w.toml"
    config.write_text('[web]\nlisten = "0.0.0.0:8080"\n')
    result = CliRunner(env={"WOMMON_WEB_TOKEN": None}).invoke(main, ["check", str(config)])
    assert result.exit_code == 1 and "WOMMON_WEB_TOKEN" in result.output


# --- report and exports ------------------------------------------------------------------


def write_config(tmp_path: Path, db_url: str) -> Path:
    config = tmp_path / "wommon.toml"
    config.write_text(f'[storage]\nurl = "{db_url}"\n\n[[brands]]\nname = "Acme"\n')
    return config


def test_report_is_one_self_contained_file(
    seeded: tuple[Engine, datetime], db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, db_url)
    out = tmp_path / "report.html"
    args = ["report", str(config), "--since", "2026-03-01", "--until", "2026-03-03"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<script" not in html and "&lt;script&gt;" in html
    # Nothing to fetch: every image is inlined, no stylesheet or script is linked.
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert "<link" not in html
    figures = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert [i["mentions"] for i in figures["incidents"]] == [40]
    assert figures["aspects"] == {"billing": 40}
    assert figures["brands"][0]["negative"] == 40 and figures["brands"][0]["incidents"] == 1
    refused = CliRunner().invoke(main, ["report", str(config)])
    assert refused.exit_code == 1 and "--out report.html" in refused.output


def test_mentions_export_as_csv(
    seeded: tuple[Engine, datetime], db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, db_url)
    result = CliRunner().invoke(main, ["mentions", str(config), "--incident", "1", "--csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "published,site,author,language,verdict,aspect,title,url"
    assert len(lines) == 41 and "negative,billing" in lines[1]
    missing = CliRunner().invoke(main, ["mentions", str(config), "--incident", "7"])
    assert missing.exit_code == 1 and "no incident 7" in missing.output


def test_charts_are_the_same_bytes_for_the_same_figures() -> None:
    assert charts.sparkline([0, 1, 3]) == charts.sparkline([0, 1, 3])


# --- Slack ---------------------------------------------------------------------------------


def test_slack_messages_link_the_page_show_growth_and_chart_an_escalation(
    engine: Engine, slack: SlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    from wommon.alert.outbox import Routing, deliver_due
    from wommon.alert.slack import SlackNotifier
    from wommon.detect.payload import incident_payload
    from wommon.store.outbox import enqueue

    now = seed_story(engine, 40)
    with transaction(engine) as session:
        incident = session.exec(select(Incident)).one()
        payload = incident_payload(session, incident, "escalate", 24, now)
        enqueue(
            session, incident_id=incident.id, kind="escalate", key="esc", payload=payload, now=now
        )
    notifier = SlackNotifier.from_token(
        "xoxb-test", slack.api_url, public_url="https://wommon.example/"
    )
    routing = Routing(default_channel="#alerts")
    # The root first, then (the next round) the escalation in its thread.
    for _ in range(2):
        assert deliver_due(engine, notifier, now, owner="t", routing=routing).sent == 1
    (root,) = slack.roots()
    text = json.dumps(root["blocks"], ensure_ascii=False)
    assert "<https://wommon.example/incidents/1|View in wommon>" in text
    assert re.search(r"[▁▂▃▄▅▆▇█]{8} \+\d+ in the last hour", text)
    (chart,) = slack.files
    assert chart["thread_ts"] == root["ts"] and chart["channel"] == root["channel"]
    assert chart["bytes"][:8] == b"\x89PNG\r\n\x1a\n"

    # Without files:write the chart is skipped with one warning, and the alerts still go.
    denied = Scripted(body={"ok": False, "error": "missing_scope", "needed": "files:write"})
    slack.fail_next("files.getUploadURLExternal", denied)
    with transaction(engine) as session:
        for key in ("esc2", "esc3"):
            enqueue(session, incident_id=1, kind="escalate", key=key, payload=payload, now=now)
    later = now + timedelta(minutes=5)
    quiet = SlackNotifier.from_token("xoxb-test", slack.api_url)
    for minutes in (0, 1):
        sent = deliver_due(
            engine, quiet, later + timedelta(minutes=minutes), owner="t", routing=routing
        )
        assert sent.sent == 1
    assert len(slack.files) == 1
    warnings = [r for r in caplog.records if "chart_skipped" in r.getMessage()]
    assert len(warnings) == 1 and "files:write" in warnings[0].getMessage()
    assert [c.method for c in slack.calls].count("files.getUploadURLExternal") == 2


def test_behind_a_proxy_path_every_link_keeps_the_prefix(
    seeded: tuple[Engine, datetime], db_url: str
) -> None:
    import urllib.request

    from wommon.web.server import WebServer

    engine, now = seeded
    app = create_app(engine, settings(db_url), SimulatedClock(now))
    server = WebServer("127.0.0.1:0", app, prefix="/wommon")
    server.start()
    try:
        with urllib.request.urlopen(f"http://{server.address}/wommon/incidents", timeout=10) as r:
            html = r.read().decode()
        assert (
            'href="/wommon/incidents/1"' in html and 'src="/wommon/incidents/1/spark.svg"' in html
        )
        assert 'href="/wommon/static/wommon.css"' in html
    finally:
        server.stop()
