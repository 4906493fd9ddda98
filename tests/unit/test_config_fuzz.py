"""R39, property-based: whatever a generated config holds, either `check` refuses it with a
message naming the file and line, or the daemon's start-up and one pass of every job run
without raising. A value `check` accepts must never crash `run`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.support import START
from wommon import config
from wommon.clock import SimulatedClock
from wommon.errors import ConfigError
from wommon.service.app import Pipeline
from wommon.service.daemon import Daemon
from wommon.store.db import make_engine, upgrade

_INTS = st.one_of(
    st.integers(-3, 100),
    st.sampled_from([0, 1, 59, 60, 61, 3600, 86_400, 10**9, 2**31, 2**63 - 1, -(2**63)]),
)
_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1e12, 1e308, math.inf, -math.inf]),
)
_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "x {bogus}",
            "agent {",
            "{version}",
            "a\r\nX-Evil: 1",
            "a\x00b",
            "127.0.0.1:9464",
            "0.0.0.0:9464",
            "[::1]:0",
            "localhost:0",
            "127.0.0.1:99999",
            "#alerts",
            "Europe/Madrid",
            "22:00-07:00",
            "09:00",
            "low",
            "high",
            "127.0.0.0/8",
            "http://127.0.0.1:9/feed",
            "https://127.0.0.1:99999/feed",
            "http://alice:pw@127.0.0.1:9/f?token=t",
            "ftp://x",
            "file:///etc/passwd",
        ]
    ),
)
_SCALAR = st.one_of(_INTS, _FLOATS, _TEXT, st.booleans())
_VALUE = st.one_of(_SCALAR, st.lists(_TEXT, max_size=3))


def _for(annotation: Any) -> st.SearchStrategy[Any]:
    """Mostly values of the field's own type (so that many configs pass `check` and reach
    the daemon), sometimes anything."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Literal:
        own: st.SearchStrategy[Any] = st.sampled_from(get_args(annotation))
    elif annotation is bool:
        own = st.booleans()
    elif annotation is int:
        own = _INTS
    elif annotation is float:
        own = st.one_of(_FLOATS, _INTS)
    elif annotation is str:
        own = _TEXT
    elif get_origin(annotation) is tuple:
        own = st.lists(_for(args[0]) if args else _TEXT, max_size=3)
    elif args:
        return st.one_of(*[_for(a) for a in args])
    else:
        own = _VALUE
    return st.one_of(*[own] * 12, _VALUE)


def _section(model: type[config.BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A few keys of one table (one bad value is enough to refuse a config, so a table
    with every key set would almost never reach the daemon)."""
    fields = {
        name: _for(field.annotation)
        for name, field in model.model_fields.items()
        if name != "routes"
    }
    return st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: fields[k] for k in keys})
    )


_NAME = st.one_of(st.sampled_from(["Acme", "Ñandú S.A.", "x" * 200, "@acme"]), _TEXT)
_SOURCE = st.fixed_dictionaries(
    {"name": _NAME, "url": st.sampled_from(["http://127.0.0.1:9/feed", "http://127.0.0.2:9/f"])},
    optional={
        k: _for(config.SourceSettings.model_fields[k].annotation)
        for k in ("kind", "weight", "interval_seconds", "app_id", "brand")
    },
)
_BRAND = st.fixed_dictionaries(
    {"name": _NAME},
    optional={"aliases": st.lists(_NAME, max_size=3), "exclude": st.lists(_NAME, max_size=2)},
)
CONFIGS = st.fixed_dictionaries(
    {},
    optional={
        "collect": _section(config.CollectSettings),
        "detect": _section(config.DetectSettings),
        "slack": _section(config.SlackSettings),
        "daemon": _section(config.DaemonSettings),
        "brands": st.lists(_BRAND, max_size=2),
        "sources": st.lists(_SOURCE, max_size=2),
    },
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def to_toml(doc: dict[str, Any], db_url: str) -> str:
    lines = ["[storage]", f"url = {json.dumps(db_url)}"]
    for table, body in doc.items():
        if isinstance(body, dict):
            lines.append(f"[{table}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in body.items()]
        else:
            for item in body:
                lines.append(f"[[{table}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=CONFIGS)
def test_whatever_check_accepts_starts_and_runs(
    doc: dict[str, Any], shared: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = shared
    text = to_toml(doc, url)
    try:
        settings_ = config.parse(text, source="fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml"), str(exc)
        event("refused by check")
        return
    event("accepted by check: started and ran")
    # Parsing runs in this process and the fetch pool stays small: the values are what
    # is under test, not the machine.
    settings_ = settings_.model_copy(
        update={"collect": settings_.collect.model_copy(update={"parse_processes": 0})}
    )
    pipeline = Pipeline(settings_, SimulatedClock(START), engine=engine)
    daemon = Daemon(pipeline)
    try:
        pipeline.prepare()
        pipeline.run_once()
        daemon._schedule(settings_)
        daemon.scheduler.start(paused=True)
    finally:
        assert daemon._shutdown(settings_.daemon.stop_timeout_seconds)
