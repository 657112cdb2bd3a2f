"""A real SMTP server for tests (aiosmtpd) on 127.0.0.1, with a trustme certificate.

Modes: ``"starttls"`` (STARTTLS offered and required before anything else, AUTH only after it),
``"plain"`` (no STARTTLS offered at all: a client must refuse to go on) and ``"tls"`` (implicit TLS,
SMTPS). AUTH LOGIN/PLAIN is checked against ``username``/``password`` and required before MAIL.

Scriptable: ``fail_next("RCPT" | "DATA", code, times)`` answers the next ``times`` such commands with
``code``; ``drop_after_data(times)`` accepts the next ``times`` messages and closes the connection
before the 250 reaches the client (the answer lost after acceptance); ``slow_after_data(seconds)``
accepts the next message and answers late; ``stop()`` closes the port (the server is "down"). It
records what it saw: ``commands`` (the verbs, in order, with whether TLS was on), ``auth_attempts``
and the accepted ``received`` mail.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import warnings
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Mode = Literal["starttls", "plain", "tls"]
PASSWORD = "correct horse battery staple"  # noqa: S105 - the test server's usual password, nothing real
Stage = Literal["RCPT", "DATA"]
DROP = "drop"  # a scripted DATA "answer": accept the message, then close the connection unanswered


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    over_tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class Command:
    verb: str
    over_tls: bool


class _Controller(Controller):
    """Listens on a free port (port 0), which the stock controller cannot trigger."""

    def factory(self) -> SMTP:
        # Implicit TLS wraps the socket before aiosmtpd sees it, so it warns that AUTH "does not require TLS".
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            smtp = super().factory()  # type: ignore[no-untyped-call]
        assert isinstance(smtp, SMTP)
        return smtp

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpTestServer:
    def __init__(self, ca: trustme.CA, *, mode: Mode = "starttls", username: str | None = "checker",
                 password: str = "correct horse battery staple") -> None:  # noqa: S107 - a test server
        self.ca = ca
        self.mode = mode
        self.username = username
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self.received: list[ReceivedMail] = []
        self.commands: list[Command] = []
        self.auth_attempts: list[tuple[str, bool]] = []  # (mechanism, succeeded)
        self._failures: dict[str, deque[str]] = {"RCPT": deque(), "DATA": deque()}
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    # -- scripting -------------------------------------------------------------------------------

    def fail_next(self, stage: Stage, code: int, times: int = 1, text: str | None = None) -> None:
        """Answer the next ``times`` ``stage`` commands with ``code`` (4xx: try later; 5xx: refused)."""
        reply = text or ("4.3.0 Temporarily unable to accept, try again later" if code < 500
                         else "5.7.1 Delivery not authorised, message refused")
        with self._lock:
            self._failures[stage].extend([f"{code} {reply}"] * times)

    def drop_after_data(self, times: int = 1) -> None:
        """Accept the next ``times`` messages, then drop the connection instead of answering 250."""
        with self._lock:
            self._failures["DATA"].extend([DROP] * times)

    def slow_after_data(self, seconds: float, times: int = 1) -> None:
        """Accept the next ``times`` messages, then wait ``seconds`` before answering 250."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def verbs(self) -> list[str]:
        return [command.verb for command in self.commands]

    def write_ca(self, folder: Path) -> Path:
        """The CA certificate as a PEM file a client can trust (``SmtpConfig.ca_file``)."""
        path = folder / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SmtpTestServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        options: dict[str, Any] = {
            "server_hostname": "mail.test",
            "authenticator": self._authenticate,
            "auth_required": self.username is not None,
        }
        if self.mode == "starttls":
            options |= {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
        elif self.mode == "plain":
            options |= {"auth_require_tls": True}  # no TLS at all: AUTH is never offered either
        else:  # implicit TLS: the whole connection is encrypted from the first byte
            options |= {"ssl_context": context, "auth_require_tls": False}
        self._controller = _Controller(_Handler(self), hostname=self.host, port=0, **options)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        """Close the port: a client now gets "connection refused"."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the server side -------------------------------------------------------------------------

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = (mechanism in ("LOGIN", "PLAIN") and isinstance(auth_data, LoginPassword)
              and self.username is not None
              and auth_data.login == self.username.encode() and auth_data.password == self.password.encode())
        with self._lock:
            self.auth_attempts.append((mechanism, ok))
            self.commands.append(Command("AUTH", session.ssl is not None or self.mode == "tls"))
        return AuthResult(success=ok, handled=False)  # aiosmtpd then answers 235 or 535 itself

    def _record(self, verb: str, session: Session) -> None:
        with self._lock:
            self.commands.append(Command(verb, session.ssl is not None or self.mode == "tls"))

    def _scripted(self, stage: Stage) -> str | None:
        with self._lock:
            queue = self._failures[stage]
            return queue.popleft() if queue else None


class _Handler:
    """aiosmtpd calls ``handle_<VERB>`` on its handler: these record what they saw, then answer."""

    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str],
    ) -> list[str]:
        self.server._record("EHLO", session)
        session.host_name = hostname
        return responses

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str],
    ) -> str:
        self.server._record("MAIL", session)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str],
    ) -> str:
        self.server._record("RCPT", session)
        scripted = self.server._scripted("RCPT")
        if scripted:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope,
    ) -> str:
        self.server._record("DATA", session)
        scripted = self.server._scripted("DATA")
        if scripted and scripted != DROP:
            return scripted
        content = envelope.original_content or b""
        mail = ReceivedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), content,
                            session.ssl is not None or self.server.mode == "tls")
        with self.server._lock:
            self.server.received.append(mail)
        if scripted == DROP:
            assert server.transport is not None
            server.transport.abort()  # accepted, and the answer never leaves
        with self.server._lock:
            delay = self.server._delays.popleft() if self.server._delays else 0.0
        if delay:
            await asyncio.sleep(delay)
        return "250 2.0.0 OK queued as TEST1"
