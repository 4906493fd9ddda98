"""`wommon backfill` from history files: stored as history, replayed on a simulated clock,
reported, never alerting by itself; idempotent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.support.helpers import ACME, add_mentions, settings
from wommon.cli import main
from wommon.clock import SimulatedClock
from wommon.collect.history import read_history
from wommon.config import DetectSettings
from wommon.detect.detector import detect_pending
from wommon.runs.backfill import backfill
from wommon.store.db import make_engine, upgrade
from wommon.store.models import Incident, Mention, Outbox

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def history(tmp_path: Path) -> Path:
    rows = [
        {
            "url": f"https://{site}.example/p/{i}",
            "author": f"a{i}",
            "published": (DAY + timedelta(minutes=20 * i)).isoformat(),
            "title": "Acme charged me twice",
            "text": f"Acme charged me twice and refused my refund. Terrible, {site} says.",
        }
        for i, site in enumerate(["blog", "forum", "news", "reviews"])
    ]
    rows.append(
        {
            "url": "https://happy.example/1",
            "published": DAY.isoformat(),
            "title": "Love Acme",
            "text": "Acme is great",
        }
    )
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    return path


def test_read_history_jsonl_and_csv(tmp_path: Path) -> None:
    entries, warnings = read_history(history(tmp_path))
    assert len(entries) == 5
    assert warnings == [
        f"{tmp_path / 'export.jsonl'}:6: invalid JSON: Expecting property name enclosed in double quotes: skipped"
    ]
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(
        'url,author,published,title,text\nhttps://x.example/1,ann,2026-03-01,Acme,"Acme <b>lost</b> it"\n,,garbage,Acme,x\n'
    )
    entries, warnings = read_history(csv_path)
    assert [(e.url, e.text, e.published_at) for e in entries] == [
        ("https://x.example/1", "Acme lost it", datetime(2026, 3, 1, tzinfo=UTC))
    ]
    assert warnings == [f"{csv_path}:3: unreadable date 'garbage': skipped"]


def test_backfill_reports_what_would_have_alerted_and_never_sends(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cfg = settings(db_url)
    path = history(tmp_path)
    report = backfill(engine, cfg, SimulatedClock(NOW), files=[path])
    assert (report.fetched, report.new) == (5, 5)
    assert [(i.mentions, i.sources) for i in report.incidents] == [(4, 4)]
    (alert,) = report.would_alert
    assert alert.status == "suppressed" and alert.at == (DAY + timedelta(hours=1)).isoformat()
    with Session(engine) as session:
        assert session.exec(select(Mention).where(col(Mention.historical).is_(False))).all() == []
        rows = [(o.kind, o.status) for o in session.exec(select(Outbox).order_by(col(Outbox.id)))]
        assert rows == [("open", "suppressed"), ("resolve", "suppressed")]
    again = backfill(engine, cfg, SimulatedClock(NOW + timedelta(hours=1)), files=[path])
    assert (again.fetched, again.new, len(again.incidents), len(again.would_alert)) == (5, 0, 1, 1)
    live = detect_pending(engine, cfg.detect, (ACME,), NOW + timedelta(hours=2))
    assert live.alerts_queued == 0 and live.mentions == 0
    with Session(engine) as session:
        assert {o.status for o in session.exec(select(Outbox))} == {"suppressed"}


def test_dry_run_stores_nothing_and_alert_queues(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cfg = settings(db_url)
    path = history(tmp_path)
    dry = backfill(engine, cfg, SimulatedClock(NOW), files=[path], dry_run=True)
    assert (dry.fetched, dry.new, dry.incidents) == (5, 5, [])
    with Session(engine) as session:
        assert session.exec(select(Mention)).all() == []
    loud = backfill(engine, cfg, SimulatedClock(NOW), files=[path], alert=True)
    assert [a.status for a in loud.would_alert] == ["pending"]


def test_rescore_rebuilds_historys_incidents(engine: Engine, db_url: str, tmp_path: Path) -> None:
    path = history(tmp_path)
    backfill(engine, settings(db_url), SimulatedClock(NOW), files=[path])
    strict = settings(db_url).model_copy(update={"detect": DetectSettings(min_sources=5)})
    report = backfill(engine, strict, SimulatedClock(NOW), rescore=True)
    assert report.rescored == 5
    assert report.would_alert == [] and len(report.incidents) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Incident)).all()) == 1
        assert session.exec(select(Outbox)).all() == []


def test_cli_json(tmp_path: Path) -> None:
    path = history(tmp_path)
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[[brands]]\nname = "Acme"\n')
    result = CliRunner().invoke(main, ["backfill", str(cfg), "--from-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert {k: data[k] for k in ("fetched", "new", "incidents", "would_alert")} == {
        "fetched": 5,
        "new": 5,
        "incidents": 1,
        "would_alert": 1,
    }
    text = CliRunner().invoke(main, ["backfill", str(cfg), "--from-file", str(path)])
    assert "5 entries read, 0 new mentions" in text.output
    assert (
        "would have alerted at 2026-03-10 10:00 UTC: incident 1: Acme charged me twice"
        in text.output
    )


def _busy_mornings(tmp_path: Path, days: int) -> Path:
    """Four weeks of an ordinary brand: six complaints every morning between 9 and 10,
    each about something else."""
    topics = ["router", "invoice", "roaming", "delivery", "signal", "contract"]
    rows = [
        {
            "url": f"https://site{d}-{i}.example/p",
            "author": f"u{d}-{i}",
            "published": (DAY - timedelta(days=days - d) + timedelta(minutes=9 * i)).isoformat(),
            "title": f"Acme {topics[i]} problem {d}",
            "text": f"Acme broke my {topics[i]} again, still waiting for a fix. Case {d}{i}.",
        }
        for d in range(days)
        for i in range(6)
    ]
    path = tmp_path / "mornings.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _live_morning(engine: Engine, db_url: str) -> float:
    """A live morning like the others; how unusual the detector finds it."""
    add_mentions(
        engine,
        [(f"live{i}.example", "Acme charged me twice again", -0.6, i * 9) for i in range(6)],
        start=DAY + timedelta(days=1),
    )
    detect_pending(engine, settings(db_url).detect, (ACME,), DAY + timedelta(days=1, hours=1))
    with Session(engine) as session:
        (incident,) = session.exec(select(Incident).where(col(Incident.historical).is_(False)))
        return incident.surprise or 0.0


def test_history_seeds_the_baseline_so_an_ordinary_morning_is_not_news(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    cold = make_engine(f"sqlite:///{tmp_path / 'cold.db'}")
    upgrade(cold)
    assert _live_morning(cold, f"sqlite:///{tmp_path / 'cold.db'}") > 6
    cold.dispose()
    report = backfill(
        engine, settings(db_url), SimulatedClock(NOW), files=[_busy_mornings(tmp_path, 28)]
    )
    base = report.baselines["Acme"]
    assert base["negative_per_day"] == pytest.approx(6, rel=0.1)
    assert base["days"] >= 27
    assert _live_morning(engine, db_url) < 2


@pytest.mark.parametrize(
    ("value", "dayfirst", "expected"),
    [
        ("2026-11-03T08:00:00Z", False, datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
        ("Tue, 03 Nov 2026 08:00:00 +0100", False, datetime(2026, 11, 3, 7, 0, tzinfo=UTC)),
        ("2026-11-03 08:00:00 UTC", False, datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
        ("03/11/2026 08:00", False, datetime(2026, 3, 11, 8, 0, tzinfo=UTC)),
        ("03/11/2026 08:00", True, datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
        ("1793692800", False, datetime(2026, 11, 3, 8, 0, tzinfo=UTC)),
    ],
)
def test_history_dates_in_the_shapes_exports_write(
    value: str, dayfirst: bool, expected: datetime
) -> None:
    from wommon.collect.history import parse_date

    assert parse_date(value, dayfirst=dayfirst) == expected


def test_history_files_by_extension_or_content_with_mapped_columns(tmp_path: Path) -> None:
    """A CSV with other column names reads with --map; a .txt holding JSON Lines is read by
    its content; an .xlsx is refused with exit 2 and nothing stored."""
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[[brands]]\nname = "Acme"\n')
    export = tmp_path / "export.csv"
    export.write_text(
        "link,body,date\n"
        "https://a.example/1,Acme charged me twice,03/11/2026 08:00\n"
        "https://b.example/2,Acme refunded nothing,04/11/2026 09:30\n"
    )
    runner = CliRunner()
    unmapped = runner.invoke(main, ["backfill", str(cfg), "--from-file", str(export)])
    assert (
        unmapped.exit_code == 1
        and "no column 'text'" in unmapped.output
        and "--map" in unmapped.output
    )
    mapped = runner.invoke(
        main,
        [
            "backfill",
            str(cfg),
            "--from-file",
            str(export),
            "--map",
            "text=body,published=date,url=link",
            "--dayfirst",
            "--json",
        ],
    )
    assert mapped.exit_code == 0, mapped.output
    assert json.loads(mapped.stdout.strip().splitlines()[-1])["new"] == 2
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with Session(engine) as session:
        dates = sorted(m.published_at for m in session.exec(select(Mention)))
    engine.dispose()
    assert dates[0] == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    lines = tmp_path / "dump.txt"
    lines.write_text('{"title": "Acme late", "text": "Acme delivery late again"}\n')
    by_content = runner.invoke(main, ["backfill", str(cfg), "--from-file", str(lines), "--json"])
    assert json.loads(by_content.stdout.strip().splitlines()[-1])["new"] == 1
    sheet = tmp_path / "export.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused = runner.invoke(main, ["backfill", str(cfg), "--from-file", str(sheet)])
    assert refused.exit_code == 2 and "not a text export (.xlsx)" in refused.output
    bad_map = runner.invoke(
        main, ["backfill", str(cfg), "--from-file", str(export), "--map", "body"]
    )
    assert bad_map.exit_code == 2 and "FIELD=COLUMN" in bad_map.output
