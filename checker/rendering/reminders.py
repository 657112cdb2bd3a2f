"""Reminders and escalations: the planner's items for one recipient on one channel → one ``Message``.

- ``email``: subject, HTML and plain-text bodies from ``reminder.html`` / ``reminder.txt``.
- ``teams_channel``: an Adaptive Card (``cards.reminder_card``), initials and case references only.
- ``teams_activity``: a short subject, a preview without names, and one link for the most urgent item: its
  "choose" page (acknowledge or snooze, ``checker/actions``) when the links are on, else the case's page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from checker.facts import Channel, ItemFacts, MessageKind
from checker.rendering import formatting as fmt
from checker.rendering.cards import reminder_card
from checker.rendering.environment import render
from checker.rendering.errors import RenderingError
from checker.rendering.listing import Listing, build_listing
from checker.rendering.subjects import activity_subject, reminder_subject
from notifiers.base import Message

EMAIL, TEAMS_ACTIVITY, TEAMS_CHANNEL = Channel.EMAIL, Channel.TEAMS_ACTIVITY, Channel.TEAMS_CHANNEL
CHANNELS = tuple(Channel)
ACTIVITY_PREVIEW_LIMIT = 150  # Graph's activity previewText holds at most 150 characters


def render_reminder(kind: MessageKind | str, channel: Channel | str, recipient: str,
                    items: Iterable[ItemFacts | Mapping[str, Any]],
                    as_of: date | str, key: str, case_url_template: str, templates_dir: Path | None = None, *,
                    mention_advisers: bool = False, contact: str | None = None, max_items: int = 25) -> Message:
    """The message telling ``recipient`` about ``items`` (the planner's facts) on ``channel``.

    ``items``: a list, or a stream in due-date order (``state.notifications.live_items``), read once; only
    the ``max_items`` listed are kept (``listing.py``). ``contact``: who to ask about these messages, for the
    email footer (a team or mailbox, no person's data). ``mention_advisers``: @mention each item's adviser in a
    Teams channel card.
    """
    if kind not in (MessageKind.REMINDER, MessageKind.DAILY):
        raise RenderingError(f"render_reminder renders reminders and daily digests, not {kind!r} messages")
    if channel not in CHANNELS:
        raise RenderingError(f"unknown channel {channel!r} for a reminder (expected one of {', '.join(CHANNELS)})")
    channel = Channel(channel)
    day = fmt.parse_date(as_of, "the as-of date")
    listing = build_listing(items, day, case_url_template, personal_channel=channel == EMAIL, cap=max_items)
    if channel == TEAMS_CHANNEL:
        card, mentions = reminder_card(listing, day, mention_advisers=mention_advisers, max_items=max_items)
        return Message(key=key, recipient=recipient, subject=reminder_subject(listing), text=_preview(listing),
                       card=card, mentions=mentions, link=listing.first.case_url)
    if channel == TEAMS_ACTIVITY:
        first = listing.first
        return Message(key=key, recipient=recipient, subject=activity_subject(listing), text=_preview(listing),
                       link=first.choose_url or first.case_url)
    subject = reminder_subject(listing)
    if kind == MessageKind.DAILY:
        subject = fmt.one_line(f"Your actions for {fmt.day_month_year(day)} — {subject}")
    context = email_context(listing, day, subject, contact)
    overflow = (listing.csv_attachment(day),) if context["more"] else ()
    return Message(key=key, recipient=recipient, subject=subject,
                   text=render(templates_dir, "reminder.txt", context),
                   html=render(templates_dir, "reminder.html", context), attachments=overflow)


def _preview(items: Listing) -> str:
    """'C1: Join the Part 6 housing register, 3 working days overdue (and 2 more)': no names, ≤ 150 chars."""
    first = items.first
    more = f" (and {items.total - 1} more)" if items.total > 1 else ""
    text = fmt.one_line(f"{first.case_ref}: {first.title}, {first.timing}")
    room = ACTIVITY_PREVIEW_LIMIT - len(more)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return text + more


def email_context(items: Listing, as_of: date, subject: str, contact: str | None) -> dict[str, Any]:
    """What ``reminder.html`` and ``reminder.txt`` are given (the names they may use).

    ``items`` are the items listed (at most the item cap, in reading order), ``item_count`` all of them;
    ``overdue`` and ``due_soon`` are the listed ones of each kind, ``more`` counts the rest.
    """
    shown = items.shown
    return {
        "subject": subject,
        "preheader": subject,
        "as_of": as_of,
        "as_of_long": fmt.full_date(as_of),
        "items": shown,
        "item_count": items.total,
        "overdue": [v for v in shown if v.overdue],
        "due_soon": [v for v in shown if not v.overdue],
        "overdue_count": fmt.actions(items.overdue),
        "due_soon_count": fmt.actions(items.pending),
        "due_soon_total": items.pending,
        "more": items.more,
        "escalated": bool(items.escalated),
        "escalated_count": items.escalated,
        "recipient_roles": " and ".join(items.roles),  # "personal adviser and team manager"
        "rerouted": items.rerouted,
        "case_count": len(items.cases),
        "contact": contact,
    }
