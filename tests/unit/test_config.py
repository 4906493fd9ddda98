from __future__ import annotations

from pathlib import Path

import pytest

from wommon import config
from wommon.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "config" / "wommon.example.toml"


def test_example_config_is_valid_and_documents_every_section() -> None:
    settings = config.load(EXAMPLE)
    assert settings.brands[0].name == "Acme Telecom"
    assert {s.name for s in settings.sources} == {
        "google-news-acme",
        "reddit-acme",
        "acme-status-blog",
        "acme-app-reviews-es",
    }
    text = EXAMPLE.read_text()
    for section, model in [
        ("storage", config.StorageSettings),
        ("collect", config.CollectSettings),
        ("detect", config.DetectSettings),
        ("slack", config.SlackSettings),
        ("daemon", config.DaemonSettings),
    ]:
        assert f"[{section}]" in text
        for key in model.model_fields:
            assert key in text, f"{section}.{key} is not documented in the example config"


def _error(text: str, tmp_path: Path) -> str:
    path = tmp_path / "wommon.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    return str(info.value)


def test_error_names_file_line_key_and_what_is_allowed(tmp_path: Path) -> None:
    """R39: a file:// URL is rejected with the key named."""
    message = _error(
        '[[brands]]\nname = "Acme"\n\n[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n'
        '\n[[sources]]\nname = "b"\nurl = "file:///etc/passwd"\n',
        tmp_path,
    )
    assert message.startswith(f"{tmp_path / 'wommon.toml'}:10: sources[1].url:")
    assert "http:// or https://" in message


def test_interval_under_minimum_and_unknown_key(tmp_path: Path) -> None:
    """R39: an interval under the minimum is rejected with the key named."""
    message = _error(
        '[[sources]]\nname = "a"\nurl = "https://a.example"\ninterval_seconds = 5\n'
        "[detect]\nmin_mentoins = 3\n",
        tmp_path,
    )
    assert ":4: sources[0].interval_seconds: Input should be greater than or equal to 60" in message
    assert ":6: detect.min_mentoins: unknown key" in message


def test_duplicate_source_names_and_unknown_brand(tmp_path: Path) -> None:
    """R39: duplicate names are rejected."""
    message = _error(
        '[[brands]]\nname = "Acme"\n[[sources]]\nname = "a"\nurl = "https://a.example"\n'
        '[[sources]]\nname = "a"\nurl = "https://b.example"\nbrand = "Globex"\n',
        tmp_path,
    )
    assert ":7: sources[1].name: duplicate source name 'a'" in message
    assert ":9: sources[1].brand: unknown brand 'Globex' (brands: Acme)" in message


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    assert "invalid TOML" in _error("[storage\nurl = 1", tmp_path)
    with pytest.raises(ConfigError, match="cannot read config"):
        config.load(tmp_path / "absent.toml")


def test_token_in_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    message = _error('[slack]\nchannel = "#a"\ntoken = "xoxb-SENTINEL"\n', tmp_path)
    assert ":3: slack.token: secrets do not belong in the config file" in message
    assert "SENTINEL" not in message


def test_slack_target_from_env_or_credentials(tmp_path: Path) -> None:
    settings = config.parse('[slack]\nchannel = "#alerts"\n')
    assert config.slack_target(settings, env={}) is None
    target = config.slack_target(settings, env={"SLACK_BOT_TOKEN": "xoxb-SENTINEL"})
    assert target is not None and target.channel == "#alerts"
    assert "SENTINEL" not in repr(target)
    (tmp_path / "slack-bot-token").write_text("xoxb-from-credential\n")
    target = config.slack_target(
        settings,
        env={
            "CREDENTIALS_DIRECTORY": str(tmp_path),
            "WOMMON_SLACK_API_URL": "http://127.0.0.1:1/api/",
        },
    )
    assert target is not None
    assert target.token == "xoxb-from-credential"
    assert target.api_url == "http://127.0.0.1:1/api/"
    no_channel = config.parse("")
    with pytest.raises(ConfigError, match=r"\[slack\] channel"):
        config.slack_target(no_channel, env={"SLACK_BOT_TOKEN": "x"})


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[daemon]\ncollect_every_seconds = 9223372036854775807", 2, "less than or equal"),
        ("[daemon]\nstop_timeout_seconds = inf", 2, "finite number"),
        ('[collect]\nuser_agent = "x {bogus}"', 2, "only {version}"),
        ('[collect]\nuser_agent = "agent {"', 2, "only {version}"),
        ('[collect]\nuser_agent = "a\\r\\nX-Evil: 1"', 2, "one line"),
        ('[[sources]]\nname = "a\\u0000b"\nurl = "https://x.example/f"', 2, "NUL"),
        ('[[sources]]\nname = "a"\nurl = "https://x.example:99999/f"', 3, "Port out of range"),
        (
            '[[sources]]\nname = "a"\nurl = "https://x.example/f"\ninterval_seconds = 10000000000',
            4,
            "less than or equal",
        ),
        ("[detect]\nwindow_hours = inf", 2, "finite number"),
        ("[detect]\nreopen_days = 1e12", 2, "less than or equal"),
        ('[daemon]\nhealth_listen = "0.0.0.0:9464"', 2, "health_public = true"),
        ('[daemon]\nhealth_listen = "127.0.0.1:99999"', 2, "HOST:PORT"),
        ("[colect]\nx = 1", 1, "unknown table"),
        ('[sources]\nname = "a"', 1, "[[sources]]"),
        ('[[brands]]\nname = "Acme"\naliases = [" "]', 3, "blank"),
    ],
)
def test_values_that_would_break_the_daemon_are_rejected_with_their_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """R39: what `check` accepts must not crash or silently disable `run`; each of these
    did, and is now an error naming file:line and the key."""
    error = _error(text, tmp_path)
    assert f"wommon.toml:{line}: " in error and message in error


def test_a_config_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "wommon.toml"
    path.write_bytes(b'[storage]\nurl = "sqlite:///caf\xe9.db"\n')
    with pytest.raises(ConfigError, match=r"wommon\.toml:2: config is not valid UTF-8"):
        config.load(path)
