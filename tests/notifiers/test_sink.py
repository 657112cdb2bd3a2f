"""The local sink: .eml and .json files as SMTP and the Workflows webhook would get them, written once."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from servers.webhook import payload_problems

from notifiers.base import Mention, Message
from notifiers.sink import SinkConfig, SinkNotifier, file_stem
from notifiers.smtp import message_id_for
from notifiers.teams_workflow import message_payload

ZOE = Mention(text="<at>Zoë Adeyemi</at>", id="zoe.adeyemi@council.example", name="Zoë Adeyemi")
SENDER = "checker <checker@localhost>"


def email_message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "reminder:pathway-plan-review:case-17:2025-03-01",
        "recipient": "pa.smith@council.example",
        "subject": "Jamie Doe: pathway plan review due",
        "text": "Jamie Doe's review is due on 11 March.",
        "html": "<p>Jamie Doe's review is due on <b>11 March</b>.</p>",
        "headers": {"X-Checker-Kind": "reminder"},
    } | changes
    return Message(**fields)


def card_message(**changes: Any) -> Message:
    card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4", "body": [{"type": "TextBlock", "text": f"Jamie Doe: adviser {ZOE.text}"}],
            "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://checker.example/cases/17"}]}
    fields: dict[str, Any] = {"key": "digest:team:2025-03-03", "recipient": "leaving-care-team",
                              "subject": "Digest", "text": "", "card": card, "mentions": (ZOE,)} | changes
    return Message(**fields)


def sink(tmp_path: Path, echo: bool = True) -> SinkNotifier:
    return SinkNotifier(SinkConfig(tmp_path / "outbox", echo=echo))


def test_an_email_becomes_an_eml_file_like_smtp_would_send(tmp_path: Path) -> None:
    msg = email_message()
    receipt = sink(tmp_path).send(msg, None, lambda _: None)

    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".eml"
    assert receipt.provider_id == str(path)
    assert b"\r\n" in path.read_bytes()
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(email, EmailMessage)
    assert email["From"] == SENDER
    assert email["To"] == msg.recipient
    assert email["Subject"] == msg.subject
    assert email["Message-ID"] == message_id_for(msg.key, SENDER)
    assert email["X-Checker-Kind"] == "reminder"
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert text.get_content().strip() == msg.text
    assert html.get_content().strip() == msg.html


def test_a_card_becomes_the_json_payload_the_webhook_would_get(tmp_path: Path) -> None:
    msg = card_message()
    sink(tmp_path).send(msg, None, lambda _: None)

    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".json"
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == message_payload(msg)
    assert written["attachments"][0]["content"]["msteams"]["entities"][0]["mentioned"]["id"] == ZOE.id
    compact = json.dumps(written, ensure_ascii=False, separators=(",", ":")).encode()
    assert payload_problems(compact) == []  # the local Workflows stand-in would accept it


def test_a_message_for_a_webhook_without_a_card_gets_the_minimal_card(tmp_path: Path) -> None:
    msg = card_message(card=None, subject="Review due", text="Due on 11 March.", link="https://checker.example/1")
    sink(tmp_path, echo=False).send(msg, None, lambda _: None)
    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".json"
    assert json.loads(path.read_text(encoding="utf-8")) == message_payload(msg)


def test_a_second_send_of_the_same_key_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notifier = sink(tmp_path)
    first = notifier.send(email_message(), None, lambda _: None)
    [path] = (tmp_path / "outbox").iterdir()
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    again = notifier.send(email_message(subject="changed"), None, lambda _: None)

    assert again.provider_id == first.provider_id
    assert "already written" in again.detail
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert list((tmp_path / "outbox").iterdir()) == [path]  # and no temporary file left behind
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "already written" in lines[1]


def test_echo_names_key_recipient_and_file_but_never_subject_or_body(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    msg = email_message()
    receipt = sink(tmp_path).send(msg, None, lambda _: None)
    [line] = capsys.readouterr().out.splitlines()
    assert msg.key in line
    assert msg.recipient in line
    assert str(receipt.provider_id) in line
    assert "Jamie" not in line


def test_no_echo_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sink(tmp_path, echo=False).send(card_message(), None, lambda _: None)
    assert capsys.readouterr().out == ""


def test_keys_become_safe_and_distinct_file_names(tmp_path: Path) -> None:
    notifier = sink(tmp_path, echo=False)
    for key in ("a/b", "a_b", "../../etc/passwd", "A:B"):
        notifier.send(email_message(key=key), None, lambda _: None)
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert len(names) == 4
    assert all("/" not in name and ":" not in name and not name.startswith(".") for name in names)
    assert file_stem("a/b") != file_stem("a_b")
    assert not (tmp_path / "etc").exists()
