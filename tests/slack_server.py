"""A local Slack-Web-API-compatible server for the tests: records every call, answers like
Slack, and can be scripted to fail (HTTP status, `ok: false` errors, Retry-After)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class SlackServer:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.script: dict[str, deque[Scripted]] = defaultdict(deque)
        self._ts = 1_700_000_000
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def __enter__(self) -> SlackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail_next(self, method: str, *answers: Scripted) -> None:
        self.script[method].extend(answers)

    def posts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "chat.postMessage"]

    def roots(self) -> list[Call]:
        return [c for c in self.posts() if not c.body.get("thread_ts")]

    def _answer(self, method: str, body: dict[str, Any]) -> Scripted:
        with self._lock:
            if self.script[method]:
                return self.script[method].popleft()
            if method == "chat.postMessage":
                self._ts += 1
                ts = f"{self._ts}.000100"
                return Scripted(body={"ok": True, "channel": "C0ALERTS", "ts": ts})
            if method == "chat.update":
                return Scripted(
                    body={"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
                )
            if method == "auth.test":
                return Scripted(body={"ok": True, "user_id": "UBOT", "team": "test"})
            return Scripted(body={"ok": False, "error": "unknown_method"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                server.calls.append(Call(method, body, self.headers.get("Authorization")))
                answer = server._answer(method, body)
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler
