"""`wommon replay`: real analysis and detection over cascades, scored beside two rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from wommon.cli import main
from wommon.runs.cascades import Cascade, read_cascades
from wommon.runs.scoring import Forecast, honesty, score

T0 = 1_500_000_000


def _write(path: Path, stories: dict[str, tuple[str, list[int]]]) -> Path:
    lines = ["story,title,share_unix_s"]
    for story, (title, shares) in stories.items():
        lines.append(f'{story},"{title}",{" ".join(map(str, shares))}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_replay_flags_the_stories_that_spread_and_keeps_overlapping_ones_apart(
    tmp_path: Path,
) -> None:
    """Two stories go viral at the same time (60 shares each, within hours); two stay small.
    Each viral one is flagged while small, on its own incident."""
    burst = [T0 + 60 * i for i in range(60)]
    cascades = _write(
        tmp_path / "c.csv",
        {
            "roaming": ("Roaming fees billed in France after the plan change", burst),
            "router": ("Fibre router bricked by the firmware update", [t + 30 for t in burst]),
            "parking": (
                "Parking lot of the downtown store closed",
                [T0 + 86400 * d for d in range(3)],
            ),
            "invoice": ("Invoice sent in the wrong currency", [T0 + 3600, T0 + 90000]),
        },
    )
    result = CliRunner().invoke(main, ["replay", str(cascades), "--viral", "40", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {"detector", "huginn", "spike", "run"}
    assert figures["run"]["mentions"] == 125 and figures["run"]["peak_memory_mb"] > 10
    detector = figures["detector"]
    assert detector["recall"] == 1.0 and detector["precision"] == 1.0
    assert detector["alerts"] == 2
    assert detector["share_at_alert"] <= 0.2
    assert detector["forecast_rel_error"] is not None
    for rule in ("huginn", "spike"):
        assert set(figures[rule]) == set(detector)
    table = CliRunner().invoke(main, ["replay", str(cascades), "--viral", "40"])
    assert table.exit_code == 0 and "detector" in table.output and "mentions/s" in table.output
    assert re.search(r"peak memory [\d,]+ MiB", table.output)
    kept = f"sqlite:///{tmp_path / 'kept.db'}"
    assert CliRunner().invoke(main, ["replay", str(cascades), "--database", kept]).exit_code == 0
    again = CliRunner().invoke(main, ["replay", str(cascades), "--database", kept])
    assert again.exit_code == 1 and "replay needs an empty database" in again.output


def test_scores_count_each_story_by_its_first_alert() -> None:
    from datetime import UTC, datetime

    def at(t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC)

    viral = Cascade("v", "v", tuple(range(T0, T0 + 100)))
    late = Cascade("l", "l", tuple(range(T0, T0 + 100)))
    small = Cascade("s", "s", (T0, T0 + 1))
    middling = Cascade("m", "m", tuple(range(T0, T0 + 50)))
    s = score(
        [viral, late, small, middling],
        {"v": at(T0 + 9), "l": at(T0 + 60), "s": at(T0), "m": at(T0)},
        100,
    )
    assert s.recall == 0.5  # "l" was flagged after it had 61% of its size
    assert s.precision == 2 / 3  # "m" (between 25 and 100) counts neither way
    assert s.share_at_alert == (0.1 + 0.61) / 2


def test_forecasts_are_judged_on_every_story_not_on_how_it_ended() -> None:
    """Two stories look alike a day in (two mentions, a low chance): one stays small, one
    bursts later. Judging only stories that grew makes the low chance look wrong; the
    chance is judged on both, the "at least" only where an alert could show one."""
    judged = [
        (300, Forecast(250.0, 0.9, mentions=50)),
        (2, Forecast(2.0, 0.05, mentions=2)),
        (300, Forecast(2.0, 0.05, mentions=2)),
    ]
    h = honesty(judged, viral=200, shown_from=3)
    assert (h.coverage, h.ranges_judged, h.chances_judged) == (1.0, 1, 3)
    brier = (0.1**2 + 0.05**2 + 0.95**2) / 3
    assert h.brier == pytest.approx(brier)
    # The base rate (2 in 3) scores ((1/3)^2 * 2 + (2/3)^2) / 3 = 2/9.
    assert h.brier_skill == pytest.approx(1 - brier / (2 / 9))


def test_a_bad_cascades_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("story,title,share_unix_s\na,A,1 2 3\nb,B,1 x 3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: share_unix_s must be Unix seconds" in result.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,times\n1,2\n", encoding="utf-8")
    assert (
        "missing column(s) share_unix_s, story, title"
        in CliRunner().invoke(main, ["replay", str(wrong)]).output
    )
    assert read_cascades(_write(tmp_path / "ok.csv", {"a": ("A", [3, 1, 2])}))[0].shares == (
        1,
        2,
        3,
    )


def test_replay_limit_keep_progress_and_no_temporary_folder_left(
    tmp_path: Path, monkeypatch: object
) -> None:
    """--limit replays the first stories only, --keep leaves the database to look at, the
    progress hears every share, and no temporary folder is left behind."""
    import tempfile

    from wommon.runs.replay import replay

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # type: ignore[attr-defined]
    cascades = _write(
        tmp_path / "c.csv",
        {
            "roaming": ("Roaming fees billed in France", [T0 + 60 * i for i in range(5)]),
            "router": ("Fibre router bricked by the update", [T0 + 90 * i for i in range(4)]),
        },
    )
    runner = CliRunner()
    limited = runner.invoke(main, ["replay", str(cascades), "--limit", "1", "--viral", "3"])
    assert limited.exit_code == 0, limited.output
    assert "1 story, 5 mentions" in limited.output
    kept = tmp_path / "kept.db"
    result = runner.invoke(main, ["replay", str(cascades), "--keep", str(kept), "--viral", "3"])
    assert result.exit_code == 0 and kept.exists() and f"database kept in {kept}" in result.output
    assert list(scratch.iterdir()) == []
    heard: Counter[str] = Counter()

    def hear(phase: str, shares: int) -> None:
        heard[phase] += shares

    replay(read_cascades(cascades), f"sqlite:///{tmp_path / 'p.db'}", viral=3, progress=hear)
    assert heard == {"analysed": 9, "detected": 9}
