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
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="wommon-web", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("web_listening", address=self.address)

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopped:
                raise

    def stop(self) -> None:
        """Close every socket from the server's own loop (which then ends), then let the
        worker threads finish the requests they hold."""
        self._stopped = True

        def close_all() -> None:
            for channel in list(self._server._map.values()):
                channel.close()

        if self._thread.is_alive():
            self._server.trigger.pull_trigger(close_all)
            self._thread.join(5)
        else:
            close_all()
        self._server.task_dispatcher.shutdown()
