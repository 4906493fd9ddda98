"""A local Slack-Web-API-compatible server for the tests.

It records every call, keeps the messages it accepted (with metadata, threads and edits)
so history can be read back, enforces Slack's message limits, and can be scripted to fail:
an HTTP status, an `ok: false` error, Retry-After, a slow answer, or accepting a post and
then dropping the connection before answering.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


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
    delay: float = 0.0
    drop: bool = False  # accept the call, then close the connection without answering


def channel_id(name: str) -> str:
    if re.match(r"^[CGD][A-Z0-9]{6,}$", name):
        return name
    return "C" + re.sub(r"[^A-Z0-9]", "", name.upper()).ljust(8, "0")


def _chars(obj: Any) -> int:
    if isinstance(obj, str):
        return len(obj)
    if isinstance(obj, dict):
        return sum(_chars(v) for v in obj.values())
    if isinstance(obj, list):
        return sum(_chars(v) for v in obj)
    return 0


def limit_error(body: dict[str, Any]) -> str | None:
    """What Slack would answer for a message over its limits."""
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if len(text) > 3000 or any(len(f.get("text", "")) > 2000 for f in block.get("fields", [])):
            return "invalid_blocks"
    if _chars(blocks) > 13_000:
        return "msg_blocks_too_long"
    if len(body.get("text") or "") > 40_000:
        return "msg_too_long"
    return None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client killed mid-request is what some tests and benchmarks do


class SlackServer:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        self.channel_names: set[str] = {"alerts", "acme-crisis", "general"}
        # Files uploaded (files.getUploadURLExternal, then the upload, then
        # files.completeUploadExternal): their bytes by id, and where each was shared.
        self.uploads: dict[str, bytes] = {}
        self.files: list[dict[str, Any]] = []
        self.script: dict[str, deque[Scripted]] = defaultdict(deque)
        # Seconds to hold every answer to a method (after acting on the call).
        self.answer_delay: dict[str, float] = {}
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
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

    def roots(self) -> list[dict[str, Any]]:
        """Root messages Slack holds (accepted posts without a thread)."""
        return [m for m in self.messages if not m.get("thread_ts")]

    def _new_ts(self) -> str:
        time.sleep(0.000002)
        return f"{time.time():.6f}"

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        error = limit_error(body)
        if error:
            return {"ok": False, "error": error}
        metadata = body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        name = str(body.get("channel"))
        if name.startswith("#"):
            self.channel_names.add(name[1:])
        message = {
            "channel": channel_id(name),
            "ts": self._new_ts(),
            "text": body.get("text"),
            "blocks": body.get("blocks"),
            "thread_ts": body.get("thread_ts"),
            "metadata": metadata,
        }
        self.messages.append(message)
        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            return self._post(body)
        if method == "chat.update":
            error = limit_error(body)
            if error:
                return {"ok": False, "error": error}
            for m in self.messages:
                if m["channel"] == channel_id(str(body.get("channel"))) and m["ts"] == body.get(
                    "ts"
                ):
                    m["blocks"], m["text"] = body.get("blocks"), body.get("text")
                    return {"ok": True, "channel": m["channel"], "ts": m["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method in ("conversations.history", "conversations.replies"):
            channel = channel_id(str(body.get("channel")))
            with_meta = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
            if method == "conversations.history":
                oldest = float(body.get("oldest") or 0)
                found = [
                    m
                    for m in self.messages
                    if m["channel"] == channel and not m["thread_ts"] and float(m["ts"]) >= oldest
                ]
            else:
                found = [
                    m
                    for m in self.messages
                    if m["channel"] == channel
                    and (m["ts"] == body.get("ts") or m["thread_ts"] == body.get("ts"))
                ]
            out = [{k: v for k, v in m.items() if k != "metadata" or with_meta} for m in found]
            return {"ok": True, "messages": list(reversed(out)), "has_more": False}
        if method == "conversations.info":
            wanted = str(body.get("channel"))
            if not re.match(r"^[CGD][A-Z0-9]+$", wanted):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": channel_id(wanted), "name": wanted.lower()}}
        if method == "conversations.list":
            channels = [{"id": channel_id("#" + n), "name": n} for n in sorted(self.channel_names)]
            return {"ok": True, "channels": channels}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:08d}"
            self.uploads[file_id] = b""
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": self.api_url + f"upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            shared = json.loads(body.get("files") or "[]")
            for f in shared:
                if f.get("id") not in self.uploads or not self.uploads[f["id"]]:
                    return {"ok": False, "error": "file_not_found"}
                self.files.append(
                    {
                        **f,
                        "channel": body.get("channel_id"),
                        "thread_ts": body.get("thread_ts"),
                        "bytes": self.uploads[f["id"]],
                    }
                )
            return {"ok": True, "files": [{"id": f["id"]} for f in shared]}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team": "test"}
        if method == "apps.connections.open":
            return {"ok": True, "url": getattr(self, "socket_url", "ws://127.0.0.1:9/")}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, body: dict[str, Any]) -> None:
                method = urlsplit(self.path).path.rsplit("/", 1)[-1]
                server.calls.append(Call(method, body, self.headers.get("Authorization")))
                with server._lock:
                    scripted = server.script[method].popleft() if server.script[method] else None
                    if scripted is None or scripted.drop:
                        answer = Scripted(body=server._answer(method, body))
                        if scripted is not None:
                            answer.drop = True
                    else:
                        answer = scripted
                delay = answer.delay or server.answer_delay.get(method, 0.0)
                if delay:
                    time.sleep(delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                if "/upload/" in path:
                    server.uploads[path.rsplit("/", 1)[-1]] = data
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = data.decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                body.update(dict(parse_qsl(urlsplit(self.path).query)))
                self._handle(body)

            def do_GET(self) -> None:
                self._handle(dict(parse_qsl(urlsplit(self.path).query)))

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler
