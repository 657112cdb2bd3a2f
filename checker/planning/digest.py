"""The weekly manager digest: per manager, overdue items by adviser in age buckets, and what changed.

Age buckets are working days overdue: 1 to 5, 6 to 20 and over 20. "Since the last digest" is since the
last digest sent to that manager (or the past week for a first one). One digest per manager per ISO
week (the outbox key), so planning it again that week is a no-op. Initials and case references
only: no names in a digest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from checker.facts import Channel, MessageKind
from checker.planning.recipients import Routing
from checker.profiles import Profile
from checker.rendering import formatting as fmt
from checker.state import link_actions, reports
from checker.state.outbox import add_message, message_exists
from rules.records import Role

LONDON = ZoneInfo("Europe/London")


def bucket(working_days_overdue: int) -> str:
    if working_days_overdue <= 5:
        return "1-5"
    if working_days_overdue <= 20:
        return "6-20"
    return "over 20"


def week_key(as_of: date) -> str:
    year, week, _ = as_of.isocalendar()
    return f"{year}-W{week:02d}"


def digest_payload(connection: Connection, profile: Profile, manager: str | None, recipient: str,
                   teams: list[str], as_of: date, since: datetime | None,
                   since_day: date | None = None) -> dict[str, Any]:
    """``since``: the instant of the last digest (completions are events after it); ``since_day``: the day
    "became overdue" counts from (that digest's day, or a week before ``as_of`` for a first digest)."""
    titles = {o.id: o.title for o in profile.obligations}

    def item(row: Any) -> dict[str, Any]:
        return {"case_ref": row.case_ref, "initials": row.initials or "", "obligation": row.obligation,
                "title": titles.get(row.obligation, row.obligation), "citation": "",
                "due_date": row.due_date.isoformat(), "adviser": row.adviser_email}

    citations = {o.id: o.citation for o in profile.obligations}
    by_adviser: dict[str | None, list[dict[str, Any]]] = {}
    counts = {"1-5": 0, "6-20": 0, "over 20": 0}
    first_day = since_day or (since.date() if since else as_of - timedelta(days=7))
    became: list[dict[str, Any]] = []
    for row in reports.overdue_for_manager(connection, manager, as_of):
        entry = {**item(row), "citation": citations.get(row.obligation, ""),
                 "working_days_overdue": row.working_days_overdue, "bucket": bucket(row.working_days_overdue)}
        counts[entry["bucket"]] += 1
        by_adviser.setdefault(row.adviser_email, []).append(entry)
        # Overdue from the day after the due date: still overdue now and overdue from after the last digest.
        # Read from the instances as they are, not from events: an item first seen already overdue has no
        # status change, and one moved back to pending is no longer overdue.
        if row.due_date >= first_day:
            became.append(item(row))
    became.sort(key=lambda e: (e["due_date"], e["case_ref"], e["obligation"]))
    completed = [{**item(r), "completed_on": r.completed_on.isoformat() if r.completed_on else None}
                 for r in reports.changed_since(connection, manager, since, "met")]
    acted = [{"case_ref": a.case_ref, "initials": a.initials or "", "obligation": a.obligation,
              "title": titles.get(a.obligation, a.obligation), "citation": "", "due_date": a.due_date.isoformat(),
              "adviser": a.recipient, "acted": _acted(a)}
             for a in link_actions.since_for_manager(connection, manager, since)]
    return {
        "recipient": recipient,
        "as_of": as_of.isoformat(),
        "since": first_day.isoformat(),
        "teams": teams,
        "overdue_by_adviser": [{"adviser": a, "items": items} for a, items in by_adviser.items()],
        "bucket_counts": counts,
        "became_overdue": became,
        "completed": completed,
        "acted_on": acted,
    }


def _acted(action: link_actions.LinkAction) -> str:
    """'acknowledged Mon 7 Dec 2026' or 'snoozed until Mon 14 Dec 2026: <reason>' (the adviser's own words)."""
    day = fmt.day_month_year(action.at.astimezone(LONDON).date())
    if action.action == "snooze" and action.snooze_until is not None:
        return f"snoozed on {day} until {fmt.day_month_year(action.snooze_until)}: {action.reason or ''}"
    return f"acknowledged on {day}"


def plan_digests(connection: Connection, profile: Profile, routing: Routing, as_of: date, now: datetime,
                 send_from: datetime, run_id: int | None) -> int:
    """Add this week's digest for every manager with something to report; return how many are new."""
    teams_of: dict[str | None, set[str]] = {}
    for row in reports.digest_recipients(connection):
        teams_of.setdefault(row.manager_email, set()).update([row.team] if row.team else [])
    planned = 0
    for manager, teams in teams_of.items():
        team = next(iter(sorted(teams)), None)
        recipient, _note = routing.address(Role.MANAGER, None, manager, team)
        monday = datetime.combine(as_of - timedelta(days=as_of.weekday()), time(), tzinfo=UTC)
        if reports.summary_since(connection, recipient, monday - timedelta(days=1)):
            continue  # a go-live summary this week already told them everything (planning/go_live.py)
        key = f"digest:{week_key(as_of)}:{recipient}:{manager or '-'}"
        if message_exists(connection, key):
            continue  # this week's is planned: every later tick of the week would make it for nothing
        last = reports.last_digest_sent(connection, recipient)
        since = last or (now - timedelta(days=7))
        since_day = last.date() if last else as_of - timedelta(days=7)
        payload = digest_payload(connection, profile, manager, recipient, sorted(teams), as_of, since, since_day)
        if not (payload["overdue_by_adviser"] or payload["became_overdue"] or payload["completed"]
                or payload["acted_on"]):
            continue  # nothing to say: no empty digest (a later tick this week sends one if that changes)
        if add_message(connection, key=key, kind=MessageKind.DIGEST, recipient=recipient, channel=Channel.EMAIL,
                       payload=payload, now=now, send_from=send_from, run_id=run_id):
            planned += 1
    return planned
