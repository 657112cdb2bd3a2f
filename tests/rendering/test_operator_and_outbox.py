"""Operator alerts, and the renderer that delivery calls with an outbox row and its live items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checker.rendering import OutboxRenderer, RenderingError, render_operator_alert
from checker.rendering.outbox import planned_on
from checker.state.outbox import OutboxMessage
from rendering.samples import CASE_URL, digest_payload, overdue

ALERT = {"subject": "checker: message 12 could not be delivered and is parked",
         "lines": ["Outbox message 12 was parked after repeated or permanent delivery failures.",
                   "See `checker outbox` for the error, then run `checker outbox retry 12`."],
         "as_of": "2026-11-23"}


def test_operator_alert_carries_the_subject_and_lines() -> None:
    message = render_operator_alert("ops@council.example", ALERT, "operator:parked:12")
    assert message.subject == ALERT["subject"]
    assert message.key == "operator:parked:12"
    assert message.recipient == "ops@council.example"
    for line in ALERT["lines"]:
        assert line in message.text
    assert "Monday 23 November 2026" in message.text
    assert message.html is not None
    assert "checker outbox retry 12" in message.html


def test_operator_alert_escapes_and_needs_a_subject() -> None:
    message = render_operator_alert("ops@x", {"subject": "a\nb", "lines": ["<script>x</script>"]}, "k")
    assert message.subject == "a b"
    assert message.html is not None
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    with pytest.raises(RenderingError, match="needs a subject"):
        render_operator_alert("ops@x", {"lines": []}, "k")


def outbox_row(kind: str, channel: str = "email", payload: dict[str, Any] | None = None,
               created_at: datetime = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)) -> OutboxMessage:
    return OutboxMessage(id=1, key=f"{kind}:1", kind=kind, recipient="someone@council.example", channel=channel,
                         state="sending", attempts=1, next_attempt_at=created_at, progress=None, last_error=None,
                         payload=payload, rendered=None, created_at=created_at, sent_at=None)


def test_the_outbox_renderer_renders_each_kind() -> None:
    render = OutboxRenderer(case_url_template=CASE_URL, contact="lc-systems@council.example")
    reminder = render(outbox_row("reminder"), [overdue()])
    assert reminder.subject == "Overdue: join the Part 6 housing register (C1) — act now"
    assert reminder.key == "reminder:1"
    assert "contact lc-systems@council.example" in reminder.text
    digest = render(outbox_row("digest", payload=digest_payload()), [])
    assert digest.subject.startswith("Weekly overdue digest — Preston")
    alert = render(outbox_row("operator", payload=ALERT), [])
    assert alert.subject == ALERT["subject"]
    card = OutboxRenderer(CASE_URL, mention_advisers=True)(outbox_row("reminder", "teams_channel"), [overdue()])
    assert card.card is not None
    assert len(card.mentions) == 1


def test_the_outbox_renderer_refuses_what_it_cannot_render() -> None:
    render = OutboxRenderer(CASE_URL)
    with pytest.raises(RenderingError, match="no payload"):
        render(outbox_row("digest"), [])
    with pytest.raises(RenderingError, match="no renderer"):
        render(outbox_row("postcard", payload={}), [])


def test_a_reminder_is_rendered_as_of_the_london_day_it_was_planned() -> None:
    assert planned_on(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)).isoformat() == "2026-07-01"  # BST
    naive = datetime(2026, 11, 23, 23, 30, tzinfo=UTC).replace(tzinfo=None)  # as SQLite returns it: UTC
    assert planned_on(naive).isoformat() == "2026-11-23"
