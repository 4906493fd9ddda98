"""An optional HTTP endpoint on loopback: /healthz for checks, /metrics for Prometheus."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from wommon import logs
from wommon.errors import ConfigError
from wommon.service.metrics import Metrics
from wommon.service.status import Snapshot

log = logs.events(__name__)


def health(
    snap: Snapshot, scheduler_ok: bool, problems: list[str] | None = None
) -> tuple[bool, dict[str, object]]:
    """Healthy = the scheduler runs its jobs and they succeed, the database answers, Slack
    is not failing. A database that answers reads but refuses writes shows as failing jobs."""
    problems = problems or []
    body: dict[str, object] = {
        "scheduler": "ok" if scheduler_ok else "stalled",
        "jobs": problems or "ok",
        "database": "ok" if snap.database_ok else snap.database_error,
        "slack": "ok" if snap.delivery_ok else list(snap.recent_failures),
        "outbox": snap.outbox,
        "sources": snap.sources,
    }
    ok = scheduler_ok and not problems and snap.database_ok and snap.delivery_ok
    body["status"] = "ok" if ok else "failing"
    return ok, body


class HealthServer:
    def __init__(
        self,
        listen: str,
        metrics: Metrics,
        read: Callable[[], Snapshot],
        scheduler_ok: Callable[[], bool],
        problems: Callable[[], list[str]] = list,
    ) -> None:
        host, _, port = listen.rpartition(":")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    self._reply(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
                elif self.path == "/healthz":
                    ok, body = health(read(), scheduler_ok(), problems())
                    self._reply(200 if ok else 503, json.dumps(body).encode(), "application/json")
                else:
                    self._reply(404, b"not found\n", "text/plain")

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        try:
            self._httpd = ThreadingHTTPServer((host.strip("[]") or "127.0.0.1", int(port)), Handler)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"daemon.health_listen: cannot listen on {listen!r}: {exc}") from None
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="wommon-health", daemon=True
        )
        self.address = "{}:{}".format(*self._httpd.server_address[:2])

    def start(self) -> None:
        self._thread.start()
        log.info("health_listening", address=self.address)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
