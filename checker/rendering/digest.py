"""The weekly manager digest: the planner's payload → one email (``digest.html`` / ``digest.txt``).

Sections: the overdue count by age bucket; overdue items by personal adviser (most overdue first);
what became overdue and what was completed since the last digest. Initials and case references only:
a digest never names a young person, whatever the payload carries.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from checker import spreadsheet
from checker.facts import Channel
from checker.rendering import formatting as fmt
from checker.rendering.environment import render
from checker.rendering.errors import RenderingError
from checker.rendering.items import initials_ref
from checker.rendering.listing import csv_cell
from checker.rendering.subjects import digest_subject
from notifiers.base import Attachment, Message

BUCKETS = ("1-5", "6-20", "over 20")
BUCKET_LABELS = {"1-5": "1 to 5 working days", "6-20": "6 to 20 working days", "over 20": "over 20 working days"}
NO_ADVISER = "No personal adviser allocated"


@dataclass(frozen=True, slots=True)
class DigestRow:
    case_ref: str
    case_url: str
    who: str  # "S.K. (C1)"
    title: str
    citation: str
    due: str
    due_date: date
    working_days_overdue: int
    overdue: str  # "12 working days"
    bucket: str
    adviser: str
    completed_on: str
    acted: str = ""  # what the adviser did from the message's link (acted_on)


@dataclass(frozen=True, slots=True)
class AdviserGroup:
    adviser: str
    rows: list[DigestRow]
    count: str  # "3 overdue"


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    label: str
    count: int


def _row(entry: Any, case_url_template: str, where: str) -> DigestRow:
    if not isinstance(entry, Mapping) or not entry.get("case_ref"):
        raise RenderingError(f"a digest item in {where} has no case_ref: {entry!r}")
    case_ref = str(entry["case_ref"])
    who = initials_ref(case_ref, entry.get("initials"))
    due = fmt.parse_date(entry["due_date"], f"the due date of {case_ref}") if entry.get("due_date") else None
    completed = entry.get("completed_on")
    late = int(entry.get("working_days_overdue") or 0)
    return DigestRow(
        case_ref=case_ref,
        case_url=fmt.case_url(case_url_template, case_ref),
        who=who,
        title=str(entry.get("title") or entry.get("obligation") or ""),
        citation=fmt.describe_citation(entry.get("citation")),
        due=fmt.day_month_year(due) if due else "",
        due_date=due or date.max,
        working_days_overdue=late,
        overdue=fmt.working_days(late),
        bucket=str(entry.get("bucket") or ""),
        adviser=str(entry.get("adviser") or NO_ADVISER),
        completed_on=(fmt.day_month_year(fmt.parse_date(completed, f"the completion date of {case_ref}"))
                      if completed else "date not recorded"),
        acted=str(entry.get("acted") or ""),
    )


def _list(payload: Mapping[str, Any], name: str) -> list[Any]:
    value = payload.get(name) or []
    if not isinstance(value, list):
        raise RenderingError(f"the digest's {name!r} is not a list")
    return value


def _groups(payload: Mapping[str, Any], case_url_template: str) -> list[AdviserGroup]:
    groups = []
    for group in _list(payload, "overdue_by_adviser"):
        adviser = group.get("adviser") if isinstance(group, Mapping) else None
        rows = [_row(e, case_url_template, "overdue_by_adviser") for e in _list(group, "items")]
        rows.sort(key=lambda r: (-r.working_days_overdue, r.due_date, r.case_ref))
        if rows:
            groups.append(AdviserGroup(str(adviser or NO_ADVISER), rows, f"{len(rows)} overdue"))
    return sorted(groups, key=lambda g: (g.adviser == NO_ADVISER, g.adviser.lower()))


def _buckets(payload: Mapping[str, Any], groups: Sequence[AdviserGroup]) -> list[Bucket]:
    given = payload.get("bucket_counts")
    counts = {b: sum(1 for g in groups for r in g.rows if r.bucket == b) for b in BUCKETS}
    if isinstance(given, Mapping):
        counts = {b: int(given.get(b) or 0) for b in BUCKETS}
    return [Bucket(b, BUCKET_LABELS[b], counts[b]) for b in BUCKETS]


def _capped(groups: Sequence[AdviserGroup], cap: int) -> list[AdviserGroup]:
    """The groups with at most ``cap`` rows between them (each group keeps its full count)."""
    out: list[AdviserGroup] = []
    room = cap
    for group in groups:
        if room <= 0:
            break
        out.append(AdviserGroup(group.adviser, group.rows[:room], group.count))
        room -= len(out[-1].rows)
    return out


def digest_csv(groups: Sequence[AdviserGroup]) -> Attachment:
    """Every overdue row of the digest as CSV (initials and case references only)."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(("case_ref", "young_person", "action", "personal_adviser", "due_date", "working_days_overdue"))
    for g in groups:
        for r in g.rows:
            writer.writerow([csv_cell(x) for x in (r.case_ref, r.who, r.title, g.adviser, r.due_date.isoformat(),
                                                   r.working_days_overdue)])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return Attachment("overdue.csv", "text/csv", base64.b64encode(data).decode("ascii"))


def digest_context(payload: Mapping[str, Any], case_url_template: str, contact: str | None,
                   max_items: int = 25) -> dict[str, Any]:
    """What ``digest.html`` and ``digest.txt`` are given (the names they may use).

    The overdue rows listed are at most ``max_items`` (``more`` counts the rest), and so are each of the
    "became overdue" and "completed" lists (``became_more``, ``completed_more``)."""
    as_of = fmt.parse_date(payload.get("as_of") or "", "the digest's as_of")
    since = payload.get("since")
    teams = [str(t) for t in _list(payload, "teams") if t]
    groups = _groups(payload, case_url_template)
    total = sum(len(g.rows) for g in groups)
    became = [_row(e, case_url_template, "became_overdue") for e in _list(payload, "became_overdue")]
    completed = [_row(e, case_url_template, "completed") for e in _list(payload, "completed")]
    shown = _capped(groups, max_items)
    subject = digest_subject(teams, total, as_of)
    return {
        "subject": subject,
        "preheader": subject,
        "as_of": as_of,
        "as_of_long": fmt.full_date(as_of),
        "week_commencing": fmt.week_commencing(as_of, as_of),
        "teams": ", ".join(teams),
        "team_count": len(teams),
        "since": (f"since {fmt.day_month_year(fmt.parse_date(since, 'the digest since date'))}"
                  if since else "in the past week"),
        "total": total,
        "total_text": fmt.actions(total),
        "buckets": _buckets(payload, groups),
        "by_adviser": shown,
        "all_by_adviser": groups,
        "more": total - sum(len(g.rows) for g in shown),
        "became_overdue": became[:max_items],
        "became_more": max(0, len(became) - max_items),
        "completed": completed[:max_items],
        "completed_more": max(0, len(completed) - max_items),
        "acted_on": [_row(e, case_url_template, "acted_on") for e in _list(payload, "acted_on")],
        "contact": contact,
    }


def render_digest(channel: str, recipient: str, payload: Mapping[str, Any], key: str, case_url_template: str,
                  templates_dir: Path | None = None, *, contact: str | None = None, max_items: int = 25) -> Message:
    """The weekly digest email for one manager from the planner's ``payload``; over ``max_items`` overdue
    items, the rest are counted and every one is in an attached CSV file."""
    if channel != Channel.EMAIL:
        raise RenderingError(f"a digest is sent by email, not by {channel!r}")
    context = digest_context(payload, case_url_template, contact, max_items)
    return Message(key=key, recipient=recipient, subject=context["subject"],
                   text=render(templates_dir, "digest.txt", context),
                   html=render(templates_dir, "digest.html", context),
                   attachments=(digest_csv(context["all_by_adviser"]),) if context["more"] else ())
