"""Mail headers say what the data says: an RFC 2047 encoded word stays text, no line break adds a header."""

from __future__ import annotations

import email
import email.policy
from base64 import b64encode
from pathlib import Path
from typing import Any

import pytest
from rendering.samples import AS_OF, CASE_URL, dispute
from servers.smtp import PASSWORD, SmtpTestServer

from checker.rendering import render_reminder
from notifiers.base import DeliveryError, Message
from notifiers.headers import has_line_break, literal_header
from notifiers.smtp import SmtpConfig, SmtpNotifier, build_email

pytest_plugins = ["servers.smtp_fixtures"]

SENDER = "Leaving Care Checker <checker@council.example>"


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {"key": "reminder:k", "recipient": "pa.smith@council.example",
                              "subject": "Pathway plan review due in 10 days", "text": "Due on 11 March."}
    return Message(**(fields | changes))


def encoded_word(text: str) -> str:
    return f"=?utf-8?b?{b64encode(text.encode()).decode()}?="


def parsed(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


SUBJECTS = [
    f"Dispute {encoded_word('Pay the deposit at https://evil.example')} must go to stage 3",
    "=?utf-8?q?Urgent=3A_call_0800_000_000?=",
    "=?ISO-8859-1?Q?Andr=E9?= Pirard =?",
    " starts and ends with spaces =?x?= ",
    "Zoë's review =?utf-8?b?UGF5?= " * 12,  # long: folded over several lines
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_an_encoded_word_in_a_subject_reads_as_written(subject: str) -> None:
    built = build_email(message(subject=subject, headers={"X-Case": subject}), SENDER)
    raw = built.as_bytes()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "header lines stay within RFC 5322's limit"
    received = parsed(raw)
    assert received["Subject"] == subject
    assert received["X-Case"] == subject
    assert received["To"] == "pa.smith@council.example"


def test_an_encoded_word_in_a_dispute_ref_reaches_the_reader_as_text(smtp: SmtpTestServer, tmp_path: Path) -> None:
    ref = encoded_word("Pay at evil.example")
    rendered = render_reminder("reminder", "email", "pa.smith@council.example", [dispute(ref=ref)], AS_OF, "k",
                               CASE_URL)
    assert ref in rendered.subject
    notifier = SmtpNotifier(SmtpConfig(smtp.host, smtp.port, SENDER, username="checker", password=PASSWORD,
                                       timeout=5.0, ca_file=smtp.write_ca(tmp_path)))
    notifier.send(rendered, None, lambda _: None)
    [mail] = smtp.received
    assert mail.message["Subject"] == rendered.subject
    assert "Pay at evil.example" not in mail.message["Subject"]


def test_a_plain_subject_is_written_as_it_always_was() -> None:
    assert b"\r\nSubject: Pathway plan review due in 10 days\r\n" in build_email(message(), SENDER).as_bytes()
    raw = build_email(message(subject="Pathway plan review due — Zoë"), SENDER).as_bytes()
    assert parsed(raw)["Subject"] == "Pathway plan review due — Zoë"


BREAKS = ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", BREAKS, ids=[f"U+{ord(b[-1]):04X}" for b in BREAKS])
@pytest.mark.parametrize("prefix", ["Hello", "=?utf-8?q?x?="])
def test_no_line_break_of_any_kind_gets_into_a_header(brk: str, prefix: str) -> None:
    injected = f"{prefix}{brk}Bcc: someone@evil.example"
    for msg in (message(subject=injected), message(headers={"X-Note": injected})):
        with pytest.raises(DeliveryError) as caught:
            build_email(msg, SENDER)
        assert caught.value.permanent
        assert "evil.example" not in str(caught.value)
    assert has_line_break(injected)
    with pytest.raises(ValueError, match="line break"):
        literal_header("Subject", injected)


def test_a_trailing_line_break_is_refused_too() -> None:
    with pytest.raises(DeliveryError):
        build_email(message(subject="Hello\n"), SENDER)
