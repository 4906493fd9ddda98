"""The web UI's server: waitress (a production WSGI server, pure Python) on its own
threads beside the daemon's jobs, started after the database is ready and stopped first."""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server

from wommon import logs
from wommon.errors import ConfigError

log = logs.events("wommon.web")

THREADS = 4
# How often the serving loop looks up from its sockets to see whether it should stop.
POLL_SECONDS = 0.2


class WebServer:
    def __init__(self, listen: str, app: Any, *, prefix: str = "") -> None:
        """`prefix` is the path the reverse proxy serves the UI under ("/wommon"): it is
        taken off each request and put back on every link the pages make."""
        host, _, port = listen.rpartition(":")
        try:
            self._server: Any = create_server(
                app,
                host=host.strip("[]") or "127.0.0.1",
                port=int(port),
                threads=THREADS,
                ident="wommon",
                url_prefix=prefix,
                clear_untrusted_proxy_headers=True,
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(f"web.listen: cannot listen on {listen!r}: {exc}") from None
        self.address = "{}:{}".format(*self._server.socket.getsockname()[:2])
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wommon-web", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("web_listening", address=self.address)

    def _run(self) -> None:
        """Serve until asked to stop, then close every socket here, on the loop's own thread:
        closing them from another thread (or waking the loop through its trigger pipe) races
        the loop's own closing and can hit a descriptor that is already gone."""
        server = self._server
        try:
            while not self._stopping.is_set():
                server.asyncore.loop(timeout=POLL_SECONDS, map=server._map, count=1)
        finally:
            for channel in list(server._map.values()):
                channel.close()
            server.task_dispatcher.shutdown()

    def stop(self) -> None:
        """Ask the loop to end (it notices within POLL_SECONDS), then let the worker threads
        finish the requests they hold."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(POLL_SECONDS + 5)
        else:
            self._run()
