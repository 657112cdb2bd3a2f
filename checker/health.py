"""The daemon's HTTP endpoints for its orchestrator and its monitoring (standard library only).

- ``GET /healthz``: 200 ``ok`` while the process can answer at all (the liveness probe).
- ``GET /readyz``: 200 with the reason when ``readiness()`` says ready, else 503 with the reason; a
  readiness check that raises is 503 with the exception's class name only (the readiness probe).
- ``GET /metrics``: the Prometheus exposition of ``Metrics``.
- Anything else: 404.

The server accepts connections in a daemon thread and answers them on a bounded pool of worker
threads (``Limits.workers``), so a slow readiness check never holds up ``/healthz`` and a flood of
connections cannot make it start thread after thread. A client has ``Limits.read_timeout`` seconds to send
its whole request (line and headers), however slowly it trickles them, or its connection is closed; at
most ``Limits.waiting`` more connections wait for a free worker, and one beyond that is answered ``503``
at once and closed. So an idle or slow client holds a worker for ``read_timeout`` at most, and cannot
keep ``/healthz`` from the orchestrator's probe.

It writes no access log: requests are not worth a log line each, and nothing it answers names a person
(readiness reasons and metric labels carry none).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit

from checker.metrics import Metrics

Readiness = Callable[[], tuple[bool, str]]
TEXT = "text/plain; charset=utf-8"


_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Length: 5\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nbusy\n")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of the process the endpoints may take (settings ``[health]``)."""

    read_timeout: float = 5.0  # seconds for a client to send its whole request
    workers: int = 4  # requests answered at once
    waiting: int = 16  # connections waiting for a worker; more are refused with 503


class _Server(HTTPServer):
    def __init__(self, address: tuple[str, int], readiness: Readiness, metrics: Metrics, limits: Limits,
                 handler: type[BaseHTTPRequestHandler] | None = None) -> None:
        super().__init__(address, handler or _Handler)  # another handler: the actions listener (checker/actions)
        self.readiness = readiness
        self.metrics = metrics
        self.limits = limits
        self._pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="checker-health")
        self._slots = threading.BoundedSemaphore(limits.workers + limits.waiting)
        self._lock = threading.Lock()
        self._waiting: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a worker, or refuse it at once when every worker and waiting place is taken."""
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        with self._lock:
            self._waiting.add(request)
        try:
            self._pool.submit(self._answer, request, client_address)
        except RuntimeError:  # the pool was shut down: the server is stopping
            self._drop(request)

    def _answer(self, request: socket.socket, client_address: Any) -> None:
        with self._lock:
            if request not in self._waiting:
                return  # closed by close_waiting() while it waited
            self._waiting.discard(request)
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: S110 - a client that misbehaves or goes away is no news; nothing to log
            pass
        finally:
            self.shutdown_request(request)
            self._slots.release()

    def _drop(self, request: socket.socket) -> None:
        with self._lock:
            self._waiting.discard(request)
        self.shutdown_request(request)
        self._slots.release()

    def close_waiting(self) -> None:
        """Stop the workers; close the connections still waiting for one."""
        with self._lock:
            waiting, self._waiting = list(self._waiting), set()
        for request in waiting:
            self.shutdown_request(request)
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Handler(BaseHTTPRequestHandler):
    server_version = "checker"
    sys_version = ""  # no Python version in the Server header

    def setup(self) -> None:
        """Give the client ``read_timeout`` for its whole request: each read times out by then, and a timer
        closes the connection if the request is still incomplete when it runs out."""
        limit = cast(_Server, self.server).limits.read_timeout
        self.request.settimeout(limit)  # what StreamRequestHandler does with its class-wide ``timeout``
        super().setup()
        self._expired = False
        self._deadline = threading.Timer(limit, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self) -> None:
        self._expired = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RD)

    def parse_request(self) -> bool:
        complete = super().parse_request()  # reads the headers too
        self._deadline.cancel()  # the request is in (or refused): the answer is ours to send
        if self._expired:  # cut off part-way, the headers read as ended: a request too late is not answered
            self.close_connection = True
            return False
        return complete

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

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


class HealthServerError(Exception):
    """The endpoints cannot be served (the port is taken, the address is not this machine's); says why."""


class ServerThread:
    """A bounded ``_Server`` served from a daemon thread: ``port`` once started, ``stop()``, a context manager.

    The health endpoints and the action-link pages are both one of these; a subclass's ``start()`` builds its
    server and hands it to ``_serve``.
    """

    def __init__(self, host: str, port: int, limits: Limits | None) -> None:
        self._address = (host, port)
        self._limits = limits or Limits()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one chosen when asked for 0); only once started."""
        if self._server is None:
            raise RuntimeError(f"{self.__class__.__name__} is not started")
        return int(self._server.server_address[1])

    def start(self) -> None:
        raise NotImplementedError

    def _serve(self, server: _Server, name: str) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_waiting()
        if thread is not None:
            thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


class HealthServer(ServerThread):
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``host:port`` (port 0: any free port), in a thread."""

    def __init__(self, host: str, port: int, readiness: Readiness, metrics: Metrics,
                 limits: Limits | None = None) -> None:
        super().__init__(host, port, limits)
        self._readiness = readiness
        self._metrics = metrics

    def start(self) -> None:
        if self._server is not None:
            return
        try:
            server = _Server(self._address, self._readiness, self._metrics, self._limits)
        except OSError as exc:
            host, port = self._address
            reason = ("the port is in use (another checker, or another program, listens there)"
                      if exc.errno == errno.EADDRINUSE else (exc.strerror or exc.__class__.__name__))
            raise HealthServerError(f"cannot serve /healthz, /readyz and /metrics on {host}:{port}: {reason}; "
                                    "stop the other program or set health.port (CHECKER_HEALTH__PORT) to a free "
                                    "port") from None
        self._serve(server, "checker-health")
