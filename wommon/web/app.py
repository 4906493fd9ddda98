"""The read-only web UI: a Flask app over the database, served by the daemon.

Everything on a page comes from feeds written by strangers, so templates escape every
value (Jinja2 autoescape), a link is only a link when it is http(s), and the strict
Content-Security-Policy allows no script at all: a title that smuggles `<script>` is shown
as text, and even a missed escape could not run. Only GET: nothing here changes state.
Beyond loopback a token is required (HTTP Basic with any user name, or a Bearer header).
"""

from __future__ import annotations

import hmac
from base64 import b64decode
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask, Response, abort, render_template, request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from wommon import __version__, logs
from wommon.charts import draw as charts
from wommon.clock import Clock, since
from wommon.config import Settings
from wommon.errors import StorageError
from wommon.redaction import redact_text
from wommon.store.db import reading
from wommon.store.enums import State
from wommon.web import reads
from wommon.web.links import safe_href, slack_thread
from wommon.wording import plural

log = logs.events("wommon.web")

# No script, no frame, nothing from another origin; styles from our own stylesheet only.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# A chart is an image: it can hold no script, and matplotlib styles it inline.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
STATES = ("open", *(s.value for s in State), "all")
IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def create_app(
    engine: Engine, settings: Settings, clock: Clock, *, token: str | None = None
) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 0
    app.jinja_env.filters.update(when=_when, href=safe_href, plural=plural)
    app.jinja_env.globals.update(version=__version__, states=STATES)
    workspace = settings.web.slack_workspace_url

    def read(step: Callable[[Session], Any]) -> Any:
        try:
            with reading(engine) as session:
                return step(session)
        except StorageError as exc:
            log.warning("web_database_error", error=redact_text(exc.reason))
            abort(503, "the database did not answer: try again in a moment")

    @app.before_request
    def _authorise() -> Response | None:
        if token is None or _token_matches(request.headers.get("Authorization", ""), token):
            return None
        return Response(
            "a token is needed\n",
            401,
            {"WWW-Authenticate": 'Basic realm="wommon", charset="UTF-8"'},
            mimetype="text/plain",
        )

    @app.after_request
    def _headers(response: Response) -> Response:
        image = response.mimetype in IMAGE_TYPES.values()
        response.headers["Content-Security-Policy"] = IMAGE_POLICY if image else PAGE_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/")
    def index() -> Any:
        return incidents()

    @app.get("/incidents")
    def incidents() -> Any:
        brand = request.args.get("brand", "").strip() or None
        state = request.args.get("state", "open")
        if state not in STATES:
            abort(400, f"state must be one of {', '.join(STATES)}")
        period = request.args.get("since", "").strip()
        try:
            start = since(period, clock.now()) if period else None
        except ValueError as exc:
            abort(400, str(exc))
        found = read(lambda s: reads.incident_list(s, brand=brand, state=state, since=start))
        names = read(reads.brand_names)
        return render_template(
            "incidents.html", found=found, brands=names, brand=brand, state=state, since=period
        )

    @app.get("/incidents/<int:incident_id>")
    def incident(incident_id: int) -> Any:
        page = request.args.get("page", 1, type=int) or 1
        now = clock.now()
        detail = read(lambda s: reads.incident_page(s, incident_id, now, page))
        if detail is None:
            abort(404, f"no incident {incident_id}")
        thread = slack_thread(workspace, detail.slack_channel, detail.slack_ts)
        return render_template("incident.html", i=detail, thread=thread)

    @app.get("/incidents/<int:incident_id>/chart.<fmt>")
    def incident_chart(incident_id: int, fmt: str) -> Any:
        if fmt not in IMAGE_TYPES:
            abort(404)
        now = clock.now()
        series = read(lambda s: reads.incident_chart(s, incident_id, now))
        if series is None:
            abort(404, f"no incident {incident_id}")
        return Response(charts.incident_chart(series, fmt), mimetype=IMAGE_TYPES[fmt])

    @app.get("/incidents/<int:incident_id>/spark.svg")
    def incident_spark(incident_id: int) -> Any:
        found = read(lambda s: reads.incident_list(s, state="all", ids=(incident_id,)))
        if not found.rows:
            abort(404, f"no incident {incident_id}")
        return Response(_spark(found.rows[0].hourly), mimetype=IMAGE_TYPES["svg"])

    @app.get("/brands/<brand>")
    def brand(brand: str) -> Any:
        now = clock.now()
        detail = read(lambda s: reads.brand_page(s, brand, now))
        return render_template("brand.html", b=detail)

    @app.get("/brands/<brand>/<figure>.svg")
    def brand_figure(brand: str, figure: str) -> Any:
        now = clock.now()
        detail = read(lambda s: reads.brand_page(s, brand, now))
        draw = {
            "chart": lambda: charts.brand_chart(detail.series),
            "aspects": lambda: charts.bars(detail.aspects),
            "languages": lambda: charts.bars(detail.languages),
        }
        if figure not in draw:
            abort(404)
        return Response(draw[figure](), mimetype=IMAGE_TYPES["svg"])

    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(503)
    def _error(exc: Any) -> Any:
        return render_template("error.html", error=exc), exc.code

    return app


@lru_cache(maxsize=2048)
def _spark(hourly: tuple[int, ...]) -> bytes:
    """Sparklines repeat (most hours of most stories are alike): drawn once per shape."""
    return charts.sparkline(hourly)


def _token_matches(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
