"""The actions listener: the pages of the acknowledge and snooze links, on a port of their own.

Separate from ``/healthz`` and ``/metrics`` (which stay inside the cluster): this one is published
through the authority's reverse proxy, which terminates TLS, at ``[actions] public_url``. It answers
only ``GET /act/<token>`` (the confirmation page) and ``POST /act/<token>`` (the button); anything else
is 404. It shares the health server's limits (a bounded pool of workers, a deadline for each request)
and, like it, writes no access log: the URL carries a token. Every page is sent with headers that keep
it out of caches and frames and the token out of a ``Referer``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import cast
from urllib.parse import parse_qs, urlsplit

from checker.actions.links import PATH
from checker.actions.service import ActionService, Page
from checker.health import Limits, ServerThread, _Handler, _Server
from checker.metrics import Metrics

HTML = "text/html; charset=utf-8"
MAX_FORM_BYTES = 8192
_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
)


class _ActionServer(_Server):
    service: ActionService


class _ActionHandler(_Handler):
    def _token(self) -> str | None:
        path = urlsplit(self.path).path
        if not path.startswith(PATH):
            return None
        token = path[len(PATH):]
        return token if token and "/" not in token and len(token) < 2000 else None

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches GET to
        token = self._token()
        if token is None:
            self._answer(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        self._page(cast(_ActionServer, self.server).service.show(token))

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches POST to
        service = cast(_ActionServer, self.server).service
        token = self._token()
        if token is None:
            self._answer(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM_BYTES:
            self._page(service.refused("The form sent was too large or had no length.", 413))
            return
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        form = {key: values[0] for key, values in parse_qs(raw, max_num_fields=10).items()}
        self._page(service.act(token, form))

    def _page(self, page: Page) -> None:
        body = page.html.encode()
        self.send_response(page.status)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(len(body)))
        for name, value in _HEADERS:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class ActionServer(ServerThread):
    """The link pages on ``host:port`` (port 0: any free port), in a thread."""

    def __init__(self, host: str, port: int, service: ActionService, limits: Limits | None = None) -> None:
        super().__init__(host, port, limits)
        self._service = service

    def start(self) -> None:
        """Listen; a port in use raises ``OSError`` for the caller to report in one line."""
        if self._server is not None:
            return
        server = _ActionServer(self._address, lambda: (True, "ok"), Metrics(), self._limits, _ActionHandler)
        server.service = self._service
        self._serve(server, "checker-actions")
