"""Reminders and escalations: the planner's items for one recipient on one channel → one ``Message``.

- ``email``: subject, HTML and plain-text bodies from ``reminder.html`` / ``reminder.txt``.
- ``teams_channel``: an Adaptive Card (``cards.reminder_card``), initials and case references only.
- ``teams_activity``: a short subject, a preview without names, and the most urgent case's link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from checker.facts import Channel, ItemFacts, MessageKind
from checker.rendering import formatting as fmt
from checker.rendering.cards import reminder_card
from checker.rendering.environment import render
from checker.rendering.errors import RenderingError
from checker.rendering.items import ItemView, item_views
from checker.rendering.subjects import activity_subject, reminder_subject
from checker.rendering.summary import csv_attachment
from notifiers.base import Message

EMAIL, TEAMS_ACTIVITY, TEAMS_CHANNEL = Channel.EMAIL, Channel.TEAMS_ACTIVITY, Channel.TEAMS_CHANNEL
CHANNELS = tuple(Channel)
ACTIVITY_PREVIEW_LIMIT = 150  # Graph's activity previewText holds at most 150 characters


def render_reminder(kind: MessageKind | str, channel: Channel | str, recipient: str,
                    items: Sequence[ItemFacts | Mapping[str, Any]],
                    as_of: date | str, key: str, case_url_template: str, templates_dir: Path | None = None, *,
                    mention_advisers: bool = False, contact: str | None = None, max_items: int = 25) -> Message:
    """The message telling ``recipient`` about ``items`` (the planner's facts) on ``channel``.

    ``contact``: who to ask about these messages, for the email footer (a team or mailbox, no person's
    data). ``mention_advisers``: @mention each item's adviser in a Teams channel card.
    """
    if kind not in (MessageKind.REMINDER, MessageKind.DAILY):
        raise RenderingError(f"render_reminder renders reminders and daily digests, not {kind!r} messages")
    if channel not in CHANNELS:
        raise RenderingError(f"unknown channel {channel!r} for a reminder (expected one of {', '.join(CHANNELS)})")
    channel = Channel(channel)
    day = fmt.parse_date(as_of, "the as-of date")
    views = item_views(items, day, case_url_template, personal_channel=channel == EMAIL)
    if channel == TEAMS_CHANNEL:
        card, mentions = reminder_card(views, day, mention_advisers=mention_advisers, max_items=max_items)
        subject = reminder_subject(views)
        return Message(key=key, recipient=recipient, subject=subject, text=_preview(views), card=card,
                       mentions=mentions, link=views[0].case_url)
    if channel == TEAMS_ACTIVITY:
        return Message(key=key, recipient=recipient, subject=activity_subject(views), text=_preview(views),
                       link=views[0].case_url)
    subject = reminder_subject(views)
    if kind == MessageKind.DAILY:
        subject = fmt.one_line(f"Your actions for {fmt.day_month_year(day)} — {subject}")
    context = email_context(views, day, subject, contact, max_items)
    overflow = (csv_attachment(views, day),) if context["more"] else ()
    return Message(key=key, recipient=recipient, subject=subject,
                   text=render(templates_dir, "reminder.txt", context),
                   html=render(templates_dir, "reminder.html", context), attachments=overflow)


def _preview(views: Sequence[ItemView]) -> str:
    """'C1: Join the Part 6 housing register, 3 working days overdue (and 2 more)': no names, ≤ 150 chars."""
    first = views[0]
    more = f" (and {len(views) - 1} more)" if len(views) > 1 else ""
    text = fmt.one_line(f"{first.case_ref}: {first.title}, {first.timing}")
    room = ACTIVITY_PREVIEW_LIMIT - len(more)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return text + more


def email_context(views: Sequence[ItemView], as_of: date, subject: str, contact: str | None,
                  max_items: int = 25) -> dict[str, Any]:
    """What ``reminder.html`` and ``reminder.txt`` are given (the names they may use).

    ``overdue`` and ``due_soon`` list at most ``max_items`` items between them; ``more`` counts the rest.
    """
    all_overdue = [v for v in views if v.overdue]
    all_due_soon = [v for v in views if not v.overdue]
    overdue = all_overdue[:max_items]
    due_soon = all_due_soon[:max_items - len(overdue)]
    roles: list[str] = []
    for v in views:
        if v.routing_note is None and v.recipient_role not in roles:
            roles.append(v.recipient_role)
    return {
        "subject": subject,
        "preheader": subject,
        "as_of": as_of,
        "as_of_long": fmt.full_date(as_of),
        "items": list(views),
        "overdue": overdue,
        "due_soon": due_soon,
        "overdue_count": fmt.actions(len(all_overdue)),
        "due_soon_count": fmt.actions(len(all_due_soon)),
        "due_soon_total": len(all_due_soon),
        "more": len(views) - len(overdue) - len(due_soon),
        "escalated": any(v.escalated for v in views),
        "escalated_count": sum(1 for v in views if v.escalated),
        "recipient_roles": " and ".join(roles),  # "personal adviser and team manager"
        "rerouted": any(v.routing_note for v in views),
        "case_count": len({v.case_ref for v in views}),
        "contact": contact,
    }
