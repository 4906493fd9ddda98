"""Log events: text lines read `event key=value`, JSON lines carry each field."""

from __future__ import annotations

import json
import logging

import pytest

from wommon import logs


def test_json_lines_carry_the_event_and_each_field(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("info", "json")
    try:
        logs.events("wommon.test").warning(
            "fetch_failed", source="blog", error="timed out", name="clash"
        )
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logs.setup("info", "text")
    assert line["event"] == "fetch_failed" and line["level"] == "WARNING"
    assert (line["source"], line["error"], line["name_"]) == ("blog", "timed out", "clash")


def test_text_lines_read_event_then_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="wommon.test"):
        logs.events("wommon.test").info("collected", polled=3, failed=0)
        logs.events("wommon.test").debug("hidden", x=1)
    assert caplog.messages == ["collected polled=3 failed=0"]
    assert caplog.records[0].event == "collected"  # type: ignore[attr-defined]


def test_secrets_in_fields_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    logs.REDACT.add("xoxb-secret-token-123")
    logs.setup("info", "json")
    try:
        logs.events("wommon.test").error("slack_failed", error="bad xoxb-secret-token-123")
        err = capsys.readouterr().err
    finally:
        logs.setup("info", "text")
    assert "xoxb-secret-token-123" not in err and "***" in err
