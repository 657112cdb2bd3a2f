"""The daemon's HTTP endpoints for its orchestrator and its monitoring (standard library only).

- ``GET /healthz``: 200 ``ok`` while the process can answer at all (the liveness probe).
- ``GET /readyz``: 200 with the reason when ``readiness()`` says ready, else 503 with the reason; a
  readiness check that raises is 503 with the exception's class name only (the readiness probe).
- ``GET /metrics``: the Prometheus exposition of ``Metrics``.
- Anything else: 404.

The server runs in a daemon thread and answers each request in a thread of its own, so a slow
readiness check never holds up ``/healthz``. It writes no access log: requests are not worth a log line
each, and nothing it answers names a person (readiness reasons and metric labels carry none).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from checker.metrics import Metrics

Readiness = Callable[[], tuple[bool, str]]
TEXT = "text/plain; charset=utf-8"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request still being answered never keeps the process alive

    def __init__(self, address: tuple[str, int], readiness: Readiness, metrics: Metrics) -> None:
        super().__init__(address, _Handler)
        self.readiness = readiness
        self.metrics = metrics


class _Handler(BaseHTTPRequestHandler):
    server_version = "checker"
    sys_version = ""  # no Python version in the Server header

    def do_GET(self) -> None:  # the name http.server dispatches GET to
        server = cast(_Server, self.server)
        path = urlsplit(self.path).path
        if path == "/healthz":
            self._answer(HTTPStatus.OK, b"ok\n", TEXT)
        elif path == "/readyz":
            ready, reason = self._readiness(server.readiness)
            self._answer(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE, f"{reason}\n".encode(), TEXT)
        elif path == "/metrics":
            body, content_type = server.metrics.exposition()
            self._answer(HTTPStatus.OK, body, content_type)
        else:
            self._answer(HTTPStatus.NOT_FOUND, b"not found\n", TEXT)

    @staticmethod
    def _readiness(check: Readiness) -> tuple[bool, str]:
        try:
            return check()
        except Exception as exc:  # any failure of the check means not ready; its class names it
            return False, exc.__class__.__name__

    def _answer(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log (the base class writes every request to stderr)."""


class HealthServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``host:port`` (port 0: any free port), in a thread."""

    def __init__(self, host: str, port: int, readiness: Readiness, metrics: Metrics) -> None:
        self._address = (host, port)
        self._readiness = readiness
        self._metrics = metrics
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one chosen when asked for 0); only once started."""
        if self._server is None:
            raise RuntimeError("the health server is not started")
        return int(self._server.server_address[1])

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = _Server(self._address, self._readiness, self._metrics)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="checker-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> HealthServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
