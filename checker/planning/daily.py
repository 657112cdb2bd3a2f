"""An adviser's daily digest: for the teams that choose it, one morning email per adviser instead of a
message per change (``[delivery] daily_digest_teams``).

The reminder planner plans as usual; the adviser's own items (role adviser, not re-routed to a deputy or
manager) of a daily-digest team are then taken out of the per-change reminders (``split_daily``): their
emails go into that adviser's daily digest and their Teams activity-feed items are not sent. On a working
day the day's first tick adds ONE ``daily`` message per adviser listing everything due (in the lead window)
or overdue for them that day; its key is the day and the adviser, so later ticks that day add nothing, and
a weekend or bank holiday adds none. Escalations to managers, team channels, the weekly manager digest
and the go-live summary are unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import Connection

from checker.facts import Channel, MessageKind
from checker.state.notifications import PlannedItem
from checker.state.outbox import add_message, message_exists
from rules.calendar import WorkingCalendar
from rules.records import Role


def daily_key(as_of: date, recipient: str) -> str:
    return f"daily:{as_of.isoformat()}:{recipient}"


def split_daily(items: Sequence[PlannedItem], teams: Collection[str]
                ) -> tuple[list[PlannedItem], list[PlannedItem]]:
    """(per-change items, daily-digest email items); ``teams`` are casefolded team names."""
    if not teams:
        return list(items), []
    per_change: list[PlannedItem] = []
    daily: list[PlannedItem] = []
    for item in items:
        f = item.facts
        if f.role is Role.ADVISER and f.routing_note is None and (f.team or "").casefold() in teams:
            if item.channel is Channel.EMAIL:
                daily.append(item)
            continue  # the adviser's activity feed is quiet too: the digest is the one message
        per_change.append(item)
    return per_change, daily


def plan_daily_digests(connection: Connection, items: Sequence[PlannedItem], as_of: date,
                       calendar: WorkingCalendar, now: datetime, send_from: datetime,
                       run_id: int | None) -> int:
    """Add today's digest for each adviser with something due or overdue; return how many are new."""
    if not calendar.is_working_day(as_of):
        return 0
    by_adviser: dict[str, list[PlannedItem]] = {}
    for item in items:
        by_adviser.setdefault(item.recipient, []).append(item)
    planned = 0
    for recipient, mine in sorted(by_adviser.items()):
        if message_exists(connection, daily_key(as_of, recipient)):
            continue  # today's is planned (a later tick that day)
        mine.sort(key=lambda i: (i.due_date, i.case_ref, i.obligation, i.ref))
        payload = {"as_of": as_of.isoformat(), "items": [i.facts.to_json() for i in mine]}
        if add_message(connection, key=daily_key(as_of, recipient), kind=MessageKind.DAILY, recipient=recipient,
                       channel=Channel.EMAIL, payload=payload, now=now, send_from=send_from, run_id=run_id):
            planned += 1
    return planned
