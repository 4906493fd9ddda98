from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.support.daemons import daemon_env, start_daemon
from wommon.cli import main
from wommon.clock import SystemClock
from wommon.demo.feedserver import FeedPost, FeedServer, FeedSpec
from wommon.store.db import head_revision

ROOT = Path(__file__).parents[2]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, cmd in group.commands.items():
        found.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            found += _commands(cmd, f"{prefix}{name} ")
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, cmd in _commands(main):
        assert cmd.help, f"`wommon {name}` has no help text"
        assert f"wommon {name}" in readme, f"`wommon {name}` is not documented in README.md"


def test_check_reports_ok_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main, ["check", str(ROOT / "config" / "wommon.example.toml")], env={"SLACK_BOT_TOKEN": ""}
    )
    assert ok.exit_code == 0, ok.output
    assert "OK — 1 brand, 4 sources" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nurl = "ftp://x"\n')
    result = runner.invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"error: {bad}:3: sources[0].url: must be an http:// or https:// URL" in result.output


def test_demo_prints_the_alert_offline() -> None:
    result = CliRunner().invoke(
        main, ["demo"], env={"SLACK_BOT_TOKEN": "", "WOMMON_SLACK_CHANNEL": ""}
    )
    assert result.exit_code == 0, result.output
    assert "[wommon] Negative story spreading — Northwind Mobile" in result.output
    assert "charged me twice" in result.output
    assert result.output.count("Negative story spreading") == 1


def test_sources_and_incidents_on_a_fresh_database(tmp_path: Path) -> None:
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n')
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", str(cfg)]).output.endswith(
        f"schema at revision {head_revision()}\n"
    )
    assert runner.invoke(main, ["sources", str(cfg)]).output.startswith("no sources")
    assert runner.invoke(main, ["incidents", str(cfg)]).output == "no incidents\n"


def test_incidents_explain_themselves(tmp_path: Path) -> None:
    """The list shows each incident's forecast, chance of going viral and key terms."""
    from datetime import timedelta

    from tests.support import START
    from tests.support.helpers import ACME, add_mentions
    from wommon.config import DetectSettings
    from wommon.detect.detector import detect_pending
    from wommon.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    story = "Acme roaming fees billed twice in France"
    add_mentions(engine, [(f"{d}.example", story, -0.6, i * 5) for i, d in enumerate("abcd")])
    detect_pending(engine, DetectSettings(), (ACME,), START + timedelta(minutes=30))
    engine.dispose()
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{url}"\n')
    out = CliRunner().invoke(main, ["incidents", str(cfg)]).output
    header, row = out.splitlines()
    assert "forecast" in header and "key terms" in header
    assert "alerting" in row and "%)" in row and "roam" in row


def test_missing_database_folder_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "w.toml"
    cfg.write_text('[storage]\nurl = "sqlite:////nonexistent/dir/w.db"\n')
    result = CliRunner().invoke(main, ["db", "upgrade", str(cfg)])
    assert result.exit_code == 1
    assert (
        "error: sqlite:////nonexistent/dir/w.db: folder /nonexistent/dir does not exist"
        in result.output
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_run_polls_and_stops_on_sigterm_within_5_seconds(tmp_path: Path) -> None:
    """R32 (first part): `wommon run` polls its sources and exits 0 promptly on SIGTERM."""
    feeds = {
        "blog": FeedSpec(
            kind="rss",
            title="Blog",
            site="https://blog.example",
            posts=[
                FeedPost(
                    "p1", "https://blog.example/p1", "a", "Acme is fine", "ok", SystemClock().now()
                )
            ],
        )
    }
    with FeedServer(SystemClock(), feeds) as server:
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[[brands]]\nname = "Acme"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\nparse_processes = 1\n'
            f'[[sources]]\nname = "blog"\nurl = "{server.url("blog")}"\n'
        )
        proc = start_daemon(cfg, daemon_env(), capture=True)
        try:
            deadline = time.monotonic() + 30
            while not server.requests and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
            assert server.requests == ["/feeds/blog.xml"], "the daemon never polled its source"
            proc.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _, stderr = proc.communicate(timeout=10)
            elapsed = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, stderr
    assert elapsed < 5
    assert "stopping signal=SIGTERM" in stderr and "stopped" in stderr
    assert "leaked semaphore" not in stderr and "Traceback" not in stderr


def test_check_warns_about_a_config_that_would_watch_nothing(tmp_path: Path) -> None:
    """An empty file, no brands, a source on a private address: valid, but warned about
    (exit 0; --strict exits 1)."""
    runner = CliRunner()
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    result = runner.invoke(main, ["check", str(empty)])
    assert result.exit_code == 0 and "warning: no [[brands]]" in result.output
    assert "warning: no [[sources]]" in result.output
    private = tmp_path / "private.toml"
    private.write_text(
        '[[brands]]\nname = "Acme"\n[[sources]]\nname = "lan"\nurl = "http://10.1.2.3/feed"\n'
    )
    result = runner.invoke(main, ["check", str(private)])
    assert (
        result.exit_code == 0 and "sources[0] (lan): 10.1.2.3 is private network" in result.output
    )
    assert runner.invoke(main, ["check", "--strict", str(private)]).exit_code == 1
    allowed = tmp_path / "allowed.toml"
    allowed.write_text(private.read_text() + '[collect]\nallow_networks = ["10.0.0.0/8"]\n')
    result = runner.invoke(main, ["check", "--strict", str(allowed)])
    assert result.exit_code == 0 and "warning" not in result.output


def test_a_bot_token_without_a_channel_is_an_error_naming_the_setting(tmp_path: Path) -> None:
    """A token and no channel used to send every alert to the console, silently."""
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n')
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(cfg)], env={"SLACK_BOT_TOKEN": "xoxb-1-2-abc"})
    assert result.exit_code == 1 and "[slack] channel" in result.output
    assert "xoxb-1-2-abc" not in result.output
    assert runner.invoke(main, ["db", "upgrade", str(cfg)]).exit_code == 0
    status = runner.invoke(main, ["status", str(cfg)], env={"SLACK_BOT_TOKEN": ""})
    assert "slack:     not used (alerts print to the console)" in status.output
    assert "slack:     ok" not in status.output


def test_init_writes_the_documented_example_and_never_overwrites(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "wommon.toml"
    result = runner.invoke(main, ["init", str(target)])
    assert (
        result.exit_code == 0
        and target.read_text() == (ROOT / "config" / "wommon.example.toml").read_text()
    )
    assert runner.invoke(main, ["check", str(target)], env={"SLACK_BOT_TOKEN": ""}).exit_code == 0
    target.write_text("# mine\n")
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 1 and "not overwritten" in again.output
    assert target.read_text() == "# mine\n"
    assert runner.invoke(main, ["init", str(target), "--force"]).exit_code == 0


def test_the_cli_starts_without_loading_the_heavy_parts() -> None:
    """`wommon --help` used to import the database layer, feedparser and the models
    (1.5 s before anything printed, 4 s on a loaded machine): commands load what they use."""
    code = (
        "import sys, wommon.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'feedparser', 'numpy', "
        "'vaderSentiment', 'tqdm', 'slack_sdk', 'apscheduler') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_sources_lists_configured_feeds_before_the_first_run(tmp_path: Path) -> None:
    cfg = tmp_path / "w.toml"
    cfg.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
        '[[sources]]\nname = "blog"\nurl = "https://blog.example/feed"\n'
        '[[sources]]\nname = "news"\nurl = "https://news.example/rss"\n'
    )
    result = CliRunner().invoke(main, ["sources", str(cfg)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("blog") and "new" in lines[1] and "not polled yet" in lines[1]
    assert lines[2].startswith("news")


def test_status_says_when_sources_are_overdue(tmp_path: Path) -> None:
    """A daemon beats but a source has waited five hours past its poll: exit 1, saying how
    late; once it is polled, exit 0."""
    from datetime import timedelta

    from wommon.store import heartbeat
    from wommon.store.db import make_engine, transaction
    from wommon.store.models import Source

    url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{url}"\n')
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", str(cfg)]).exit_code == 0
    now = SystemClock().now()
    engine = make_engine(url)
    with transaction(engine) as session:
        session.add(
            Source(
                name="late",
                kind="rss",
                url="https://late.example/feed",
                interval_seconds=900,
                next_due_at=now - timedelta(hours=5),
            )
        )
        heartbeat.beat(session, "host:1", "host", 1, now, now, "{}")
    result = runner.invoke(main, ["status", str(cfg)])
    assert result.exit_code == 1
    assert "OVERDUE: 1 source not polled on time, the oldest due 5 h ago" in result.output
    with transaction(engine) as session:
        for src in session.exec(__import__("sqlmodel").select(Source)):
            src.next_due_at = now + timedelta(minutes=10)
            session.add(src)
    engine.dispose()
    assert runner.invoke(main, ["status", str(cfg)]).exit_code == 0


def test_counts_agree_with_their_nouns() -> None:
    from wommon.wording import plural

    assert [plural(1, "mention"), plural(2, "mention"), plural(0, "entry", "entries")] == [
        "1 mention",
        "2 mentions",
        "0 entries",
    ]


def test_one_incident_whole_and_the_list_as_json_csv_and_filtered(tmp_path: Path) -> None:
    """`wommon incident ID` shows its mentions and alerts; `incidents` filters by brand,
    state and time and prints JSON lines or CSV."""
    import csv
    import io
    import json
    from datetime import timedelta

    from tests.support import START
    from tests.support.helpers import ACME, add_mentions
    from wommon.config import DetectSettings
    from wommon.detect.detector import detect_pending
    from wommon.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    story = "Acme roaming fees billed twice in France"
    add_mentions(engine, [(f"{d}.example", story, -0.6, i * 5) for i, d in enumerate("abcd")])
    detect_pending(engine, DetectSettings(), (ACME,), START + timedelta(minutes=30))
    engine.dispose()
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{url}"\n')
    runner = CliRunner()
    lines = runner.invoke(main, ["incidents", str(cfg), "--json"]).output.splitlines()
    (record,) = [json.loads(line) for line in lines]
    assert record["brand"] == "Acme" and record["mentions"] == 4
    rows = list(
        csv.DictReader(io.StringIO(runner.invoke(main, ["incidents", str(cfg), "--csv"]).output))
    )
    assert [r["id"] for r in rows] == [str(record["id"])]
    assert (
        runner.invoke(main, ["incidents", str(cfg), "--brand", "globex"]).output == "no incidents\n"
    )
    assert (
        runner.invoke(main, ["incidents", str(cfg), "--state", "resolved"]).output
        == "no incidents\n"
    )
    assert "roaming" in runner.invoke(main, ["incidents", str(cfg), "--since", "2026-03-01"]).output
    assert runner.invoke(main, ["incidents", str(cfg), "--since", "1d"]).output == "no incidents\n"
    shown = runner.invoke(main, ["incident", str(cfg), str(record["id"])])
    assert shown.exit_code == 0, shown.output
    assert f"incident {record['id']}: " in shown.output and "4 mentions" in shown.output
    assert sum("a.example" in line for line in shown.output.splitlines()) == 1
    assert "https://d.example/" in shown.output
    history = shown.output.split("history:")[1].split("mentions:")[0]
    assert "opened" in history and "alerting" in history and "now alerting" in history
    whole = json.loads(
        runner.invoke(main, ["incident", str(cfg), str(record["id"]), "--json"]).output
    )
    assert len(whole["mentions"]) == 4 and whole["alerts"][0]["kind"] == "open"
    missing = runner.invoke(main, ["incident", str(cfg), "999"])
    assert missing.exit_code == 1 and "no incident 999" in missing.output


def test_a_webhook_failure_says_what_and_how_to_fix_it(tmp_path: Path) -> None:
    cfg = tmp_path / "w.toml"
    cfg.write_text('[slack]\nchannel = "#alerts"\n')
    hook = "http://127.0.0.1:9/services/T0/B0/HOOKSECRET9"
    result = CliRunner().invoke(main, ["alert-test", str(cfg)], env={"SLACK_WEBHOOK_URL": hook})
    assert result.exit_code == 1
    assert "slack webhook: cannot reach Slack (Connection refused)" in result.output
    assert "$SLACK_WEBHOOK_URL" in result.output
    assert "URLError" not in result.output and "Failed to send a request" not in result.output
    assert "HOOKSECRET9" not in result.output
