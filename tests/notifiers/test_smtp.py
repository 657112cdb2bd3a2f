"""SMTP channel against a real local SMTP server (aiosmtpd) with a test CA: TLS, AUTH, error mapping, MIME."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from servers.smtp import SmtpTestServer

from notifiers.base import DeliveryError, Message
from notifiers.smtp import SmtpConfig, SmtpNotifier, build_email, message_id_for

SENDER = "Leaving Care Checker <checker@council.example>"
PASSWORD = "correct horse battery staple"  # noqa: S105 - the test server's, nothing real


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[SmtpTestServer]:
    with SmtpTestServer(ca, password=PASSWORD) as running:
        yield running


def config(server: SmtpTestServer, tmp_path: Path, **changes: Any) -> SmtpConfig:
    settings: dict[str, Any] = {
        "host": server.host, "port": server.port, "sender": SENDER, "username": "checker",
        "password": PASSWORD, "timeout": 5.0, "ca_file": server.write_ca(tmp_path),
    } | changes
    return SmtpConfig(**settings)


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "reminder:pathway-plan-review:case-17:2025-03-01",
        "recipient": "pa.smith@council.example",
        "subject": "Pathway plan review due in 10 days",
        "text": "The pathway plan review is due on 11 March.\n\nOpen the case to record it.",
    } | changes
    return Message(**fields)


def send(notifier: SmtpNotifier, msg: Message) -> Any:
    checkpoints: list[str] = []
    receipt = notifier.send(msg, None, checkpoints.append)
    assert checkpoints == []  # SMTP keeps no checkpoint: there is nothing a retry could resume
    return receipt


def refused(notifier: SmtpNotifier, msg: Message | None = None) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        notifier.send(msg or message(), None, lambda _: None)
    assert PASSWORD not in str(caught.value)
    return caught.value


# -- happy paths ----------------------------------------------------------------------------------


def test_a_text_message_is_delivered_over_starttls_after_auth(server: SmtpTestServer, tmp_path: Path) -> None:
    msg = message(headers={"X-Checker-Kind": "reminder"})
    receipt = send(SmtpNotifier(config(server, tmp_path)), msg)

    [mail] = server.received
    assert mail.over_tls
    assert mail.mail_from == "checker@council.example"
    assert mail.rcpt_tos == ("pa.smith@council.example",)
    assert server.auth_attempts == [("PLAIN", True)]
    assert server.verbs() == ["EHLO", "EHLO", "AUTH", "MAIL", "RCPT", "DATA"]
    assert [c.over_tls for c in server.commands] == [False, True, True, True, True, True]

    email = mail.message
    assert email["From"] == SENDER
    assert email["To"] == "pa.smith@council.example"
    assert email["Subject"] == "Pathway plan review due in 10 days"
    assert email["Date"].datetime.utcoffset().total_seconds() == 0
    assert email["X-Checker-Kind"] == "reminder"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email.get_content_type() == "text/plain"
    assert email.get_content().replace("\r\n", "\n") == msg.text + "\n"
    assert email["Message-ID"] == message_id_for(msg.key, SENDER) == receipt.provider_id


def test_html_goes_as_an_alternative_to_the_text(server: SmtpTestServer, tmp_path: Path) -> None:
    msg = message(text="Due on 11 March — Zoë's review.", html="<p>Due on <b>11 March</b> — Zoë's review.</p>")
    send(SmtpNotifier(config(server, tmp_path)), msg)

    email = server.received[0].message
    assert email.get_content_type() == "multipart/alternative"
    text, html = email.iter_parts()
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content().strip() == msg.text
    assert html.get_content().strip() == msg.html
    assert email.get_body(("html",)) is html
    assert all(byte < 128 for byte in server.received[0].content)  # 7-bit safe: no 8BITMIME needed


def test_implicit_tls_delivers_too(ca: trustme.CA, tmp_path: Path) -> None:
    with SmtpTestServer(ca, mode="tls", password=PASSWORD) as smtps:
        send(SmtpNotifier(config(smtps, tmp_path, security="tls")), message())
        [mail] = smtps.received
        assert mail.over_tls
        assert smtps.auth_attempts == [("PLAIN", True)]


def test_the_message_id_is_the_same_on_every_attempt_and_hides_the_key() -> None:
    first = build_email(message(), SENDER)["Message-ID"]
    again = build_email(message(), SENDER)["Message-ID"]
    other = build_email(message(key="reminder:other"), SENDER)["Message-ID"]
    assert first == again != other
    assert first.endswith("@council.example>")
    assert "case-17" not in first


# -- security -------------------------------------------------------------------------------------


def test_a_server_without_starttls_is_refused_before_anything_is_sent(ca: trustme.CA, tmp_path: Path) -> None:
    with SmtpTestServer(ca, mode="plain", password=PASSWORD) as plain:
        error = refused(SmtpNotifier(config(plain, tmp_path)))
        assert error.permanent
        assert "STARTTLS" in str(error)
        assert plain.verbs() == ["EHLO"]  # no AUTH, no MAIL, no address, no content
        assert plain.auth_attempts == []
        assert plain.received == []


def test_an_untrusted_certificate_is_refused(server: SmtpTestServer, tmp_path: Path) -> None:
    error = refused(SmtpNotifier(config(server, tmp_path, ca_file=None)))  # the system store: no test CA
    assert error.permanent
    assert "certificate" in str(error)
    assert server.auth_attempts == []
    assert server.received == []


def test_a_wrong_password_is_permanent_and_not_repeated(server: SmtpTestServer, tmp_path: Path) -> None:
    wrong = "Tr0ub4dor&3-wrong"
    error = refused(SmtpNotifier(config(server, tmp_path, password=wrong)))
    assert error.permanent
    assert wrong not in str(error)
    assert "login" in str(error)
    assert server.auth_attempts
    assert not any(ok for _mechanism, ok in server.auth_attempts)
    assert server.received == []


def test_the_password_is_not_in_the_config_repr(server: SmtpTestServer, tmp_path: Path) -> None:
    assert PASSWORD not in repr(config(server, tmp_path))


def test_a_username_without_a_password_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="password"):
        SmtpConfig("mail.example", 587, SENDER, username="checker")


# -- error mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "code", "permanent"), [
    ("RCPT", 450, False), ("RCPT", 550, True), ("DATA", 451, False), ("DATA", 554, True),
])
def test_smtp_replies_map_to_transient_or_permanent(server: SmtpTestServer, tmp_path: Path, stage: str,
                                                    code: int, permanent: bool) -> None:
    server.fail_next(stage, code)  # type: ignore[arg-type]
    error = refused(SmtpNotifier(config(server, tmp_path)))
    assert error.permanent is permanent
    assert str(code) in str(error)
    assert server.received == []


def test_after_a_4xx_the_next_attempt_succeeds(server: SmtpTestServer, tmp_path: Path) -> None:
    notifier = SmtpNotifier(config(server, tmp_path))
    server.fail_next("DATA", 421)
    assert not refused(notifier).permanent
    send(notifier, message())
    assert len(server.received) == 1


def test_a_server_that_is_down_is_transient(server: SmtpTestServer, tmp_path: Path) -> None:
    notifier = SmtpNotifier(config(server, tmp_path))
    server.stop()
    error = refused(notifier)
    assert not error.permanent
    assert "ConnectionRefusedError" in str(error)


def test_a_server_that_never_answers_times_out_as_transient(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts the connection, never greets
        port = silent.getsockname()[1]
        notifier = SmtpNotifier(SmtpConfig("127.0.0.1", port, SENDER, timeout=0.3))
        error = refused(notifier)
    assert not error.permanent
    assert "SMTP server" in str(error)


# -- building the message -------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{"Bcc": "someone@else.example"}, {"X-Note": "line\r\nBcc: x@y.example"},
                                     {"Bad Name": "x"}])
def test_headers_that_could_inject_or_override_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(DeliveryError) as caught:
        build_email(message(headers=headers), SENDER)
    assert caught.value.permanent
    assert "x@y.example" not in str(caught.value)


def test_a_recipient_that_is_not_an_address_is_permanent() -> None:
    with pytest.raises(DeliveryError) as caught:
        build_email(message(recipient="pa.smith@council.example\r\nRCPT TO:<x@y.example>"), SENDER)
    assert caught.value.permanent
