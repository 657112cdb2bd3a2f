"""A local stand-in for a Power Automate "Workflows" trigger URL (threaded HTTP on 127.0.0.1).

Like the real one it answers 202 to a good POST, 401 without the right ``sig`` and 404 on another path.
Stricter than the real one, it checks the shape of every payload (``payload_problems``) and answers 400
with the reasons, so a test sees a malformed card at once instead of a flow failing later in Teams.

Scriptable for the next requests (in order): ``respond(status, times, retry_after=..., after_acting=...)``
for 429, 503, 504 or 400 (with ``after_acting`` the card is accepted first: a gateway's 504 after the
flow ran), ``slow(seconds)`` to answer 202 late (the card is recorded first: the flow has run, as a
real slow trigger would) and ``drop()`` to accept the card and close the connection without an answer.
``accepted`` holds the accepted payloads, ``cards`` their Adaptive Cards.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_PAYLOAD_BYTES = 28 * 1024
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
TRIGGER_PATH = "/workflows/5f0c3a1e0b7d4c2e9a1f/triggers/manual/paths/invoke"


@dataclass(frozen=True)
class Reply:
    status: int
    retry_after: str | None = None
    delay: float = 0.0
    after_acting: bool = False
    drop: bool = False


@dataclass
class WebhookReceiver:
    sig: str = "TEST-SIGNATURE-0123456789abcdef"
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[list[str]] = field(default_factory=list)  # the problems found in each refused payload
    requests: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The secret trigger URL (what an operator pastes into the settings)."""
        return (f"http://127.0.0.1:{self.port}{TRIGGER_PATH}"
                f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [payload["attachments"][0]["content"] for payload in self.accepted]

    # -- scripting -------------------------------------------------------------------------------

    def respond(self, status: int, times: int = 1, *, retry_after: str | float | None = None,
                delay: float = 0.0, after_acting: bool = False) -> None:
        """Answer the next ``times`` requests with ``status`` (a 2xx, or ``after_acting``, still checks and
        records the card)."""
        reply = Reply(status, None if retry_after is None else str(retry_after), delay, after_acting)
        with self._lock:
            self._script.extend([reply] * times)

    def accept(self, times: int = 1) -> None:
        """Let the next ``times`` requests through normally (to script failures after them)."""
        self.respond(202, times)

    def slow(self, seconds: float, times: int = 1) -> None:
        self.respond(202, times, delay=seconds)

    def drop(self, times: int = 1) -> None:
        """Accept the next ``times`` cards, then close the connection without answering."""
        with self._lock:
            self._script.extend([Reply(202, drop=True)] * times)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the server side -------------------------------------------------------------------------

    def _handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, str], bytes, float, bool]:
        status, headers, content, delay, scripted = self._answer(path, content_type, body)
        return status, headers, content, delay, scripted is not None and scripted.drop

    def _answer(self, path: str, content_type: str,
                body: bytes) -> tuple[int, dict[str, str], bytes, float, Reply | None]:
        with self._lock:
            self.requests += 1
            number = self.requests
            scripted = self._script.popleft() if self._script else None
        parts = urlsplit(path)
        if parts.path != TRIGGER_PATH:
            return (*_error(404, "WorkflowNotFound", "no such workflow"), None)
        if parse_qs(parts.query).get("sig") != [self.sig]:
            return (*_error(401, "DirectApiAuthorizationRequired", "the request has no valid signature"), None)
        if scripted is not None and not 200 <= scripted.status < 300:
            if scripted.after_acting and not payload_problems(body):
                with self._lock:
                    self.accepted.append(json.loads(body))
            status, headers, content, _ = _error(scripted.status, "Scripted", "scripted failure")
            if scripted.retry_after is not None:
                headers["Retry-After"] = scripted.retry_after
            return status, headers, content, scripted.delay, scripted
        json_type = content_type.split(";", maxsplit=1)[0].strip() == "application/json"
        problems = [] if json_type else ["not application/json"]
        problems += payload_problems(body)
        if problems:
            with self._lock:
                self.rejected.append(problems)
            return (*_error(400, "InvalidRequestContent", "; ".join(problems)), None)
        with self._lock:
            self.accepted.append(json.loads(body))
        return 202, {"x-ms-workflow-run-id": f"run-{number:04d}"}, b"", scripted.delay if scripted else 0.0, scripted


def payload_problems(body: bytes) -> list[str]:
    """What is wrong with a Workflows payload carrying an Adaptive Card (empty when nothing)."""
    if len(body) > MAX_PAYLOAD_BYTES:
        return [f"payload is {len(body)} bytes, over {MAX_PAYLOAD_BYTES}"]
    try:
        payload = json.loads(body)
    except ValueError:
        return ["not JSON"]
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return ["type is not 'message'"]
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1 or not isinstance(attachments[0], dict):
        return ["not exactly one attachment"]
    attachment = attachments[0]
    problems = []
    if attachment.get("contentType") != ADAPTIVE:
        problems.append("attachment contentType is not the adaptive card type")
    if attachment.get("contentUrl") is not None:
        problems.append("contentUrl is not null")
    card = attachment.get("content")
    if not isinstance(card, dict):
        return [*problems, "no card content"]
    return problems + card_problems(card)


def card_problems(card: Mapping[str, Any]) -> list[str]:
    problems = []
    if card.get("type") != "AdaptiveCard":
        problems.append("content.type is not AdaptiveCard")
    if card.get("version") != "1.4":
        problems.append(f"version is {card.get('version')!r}, not '1.4'")
    body = card.get("body")
    if not isinstance(body, list) or not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in body):
        problems.append("body is not a list of typed elements")
    actions = card.get("actions", [])
    if not isinstance(actions, list):
        problems.append("actions is not a list")
    else:
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("type"), str):
                problems.append("an action has no type")
            elif action["type"] == "Action.OpenUrl" and not str(action.get("url", "")).startswith(("https://",
                                                                                                   "http://")):
                problems.append("an Action.OpenUrl has no url")
    texts = list(strings({key: value for key, value in card.items() if key != "msteams"}))
    for entity in (card.get("msteams") or {}).get("entities", []):
        if entity.get("type") != "mention":
            continue
        text = entity.get("text")
        mentioned = entity.get("mentioned") or {}
        if not text or not any(text in t for t in texts):
            problems.append(f"mention {text!r} does not appear in the card")
        if not mentioned.get("id") or not mentioned.get("name"):
            problems.append(f"mention {text!r} has no id or name")
    return problems


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes, float]:
    content = json.dumps({"error": {"code": code, "message": message}}).encode()
    return status, {"Content-Type": "application/json"}, content, 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a slow answer is expected here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, headers, content, delay, drop = self.server.receiver._handle(
            self.path, self.headers.get("Content-Type", ""), body)
        if drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if delay:
            time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the URL carries the secret sig."""
