"""Rendering an outbox message: the ``render`` callable that ``checker.delivery.Delivery`` is given.

A reminder's as-of date is the day its items were planned (the outbox row's creation, in
Europe/London), because the facts' working days were counted on that day; a digest, an adviser's daily
digest (rendered as a reminder listing its items) and an operator alert carry their own in the payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from checker.facts import Channel, MessageKind
from checker.rendering.budget import DEFAULT_BUDGET, fit
from checker.rendering.digest import render_digest
from checker.rendering.errors import RenderingError
from checker.rendering.operator import render_operator_alert
from checker.rendering.reminders import render_reminder
from checker.rendering.summary import render_summary
from checker.state.outbox import OutboxMessage
from notifiers.base import Message

LONDON = ZoneInfo("Europe/London")


def planned_on(created_at: datetime) -> date:
    """The Europe/London day of an instant (a naive one, as SQLite returns it, is UTC)."""
    instant = created_at if created_at.tzinfo is not None else created_at.replace(tzinfo=UTC)
    return instant.astimezone(LONDON).date()


@dataclass(frozen=True, slots=True)
class OutboxRenderer:
    """Renders any outbox message: ``OutboxRenderer(settings…)(message, live_items) -> Message``."""

    case_url_template: str
    templates_dir: Path | None = None
    mention_advisers: bool = False
    contact: str | None = None
    max_items: int = 25  # the most items one reminder lists (delivery.max_items_per_message)
    urgent_items: int = 10  # the items a go-live summary lists in full (go_live.urgent_items)
    max_bytes: int = DEFAULT_BUDGET  # the most bytes one email takes (delivery.max_message_bytes)

    def __call__(self, message: OutboxMessage, items: Iterable[dict[str, Any]]) -> Message:
        rendered = self._render(message, items)
        if message.channel != Channel.EMAIL:
            return rendered
        return fit(rendered, self.max_bytes, planned_on(message.created_at))

    def _render(self, message: OutboxMessage, items: Iterable[dict[str, Any]]) -> Message:
        if message.kind == MessageKind.REMINDER:
            return render_reminder(MessageKind.REMINDER, message.channel, message.recipient, items,
                                   planned_on(message.created_at), message.key, self.case_url_template,
                                   self.templates_dir, mention_advisers=self.mention_advisers,
                                   contact=self.contact, max_items=self.max_items)
        if message.kind == MessageKind.SUMMARY:
            reason = (message.payload or {}).get("reason")
            return render_summary(message.recipient, items, planned_on(message.created_at), message.key,
                                  self.case_url_template, self.templates_dir, contact=self.contact,
                                  reason=str(reason) if reason else None, urgent=self.urgent_items)
        if message.payload is None:
            raise RenderingError(f"the {message.kind} message {message.key!r} has no payload")
        if message.kind == MessageKind.DIGEST:
            return render_digest(message.channel, message.recipient, message.payload, message.key,
                                 self.case_url_template, self.templates_dir, contact=self.contact,
                                 max_items=self.max_items)
        if message.kind == MessageKind.DAILY:
            return render_reminder(MessageKind.DAILY, message.channel, message.recipient,
                                   list(message.payload.get("items") or []), str(message.payload["as_of"]),
                                   message.key, self.case_url_template, self.templates_dir,
                                   contact=self.contact, max_items=self.max_items)
        if message.kind == MessageKind.OPERATOR:
            return render_operator_alert(message.recipient, message.payload, message.key, self.templates_dir)
        raise RenderingError(f"no renderer for {message.kind!r} messages")
