"""The go-live summary (``checker/planning/go_live.py``): one email per recipient instead of one per item.

It counts the recipient's open items by obligation and age band, lists the most urgent ones in full (the
``go_live.urgent_items`` setting, 10 by default) and attaches every item as a CSV file. Like any email,
the young person is shown by initials and case reference, except in an adviser's own summary; the CSV
carries initials and case references only, written by ``checker.spreadsheet`` (a cell that a spreadsheet
would read as a formula is quoted).
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
from checker.facts import ItemFacts
from checker.rendering import formatting as fmt
from checker.rendering.environment import render
from checker.rendering.items import ItemView, item_views
from notifiers.base import Attachment, Message

BANDS = ("overdue over 20", "overdue 6-20", "overdue 1-5", "due within 5", "due later")
BAND_LABELS = {
    "overdue over 20": "Overdue over 20 working days",
    "overdue 6-20": "Overdue 6 to 20 working days",
    "overdue 1-5": "Overdue up to 5 working days",
    "due within 5": "Due within 5 working days",
    "due later": "Due later",
}
CSV_COLUMNS = ("case_ref", "young_person", "action", "obligation", "status", "due_date", "working_days_overdue",
               "working_days_to_go", "done_when", "stage", "note")


def band(view: ItemView) -> str:
    if view.overdue:
        late = view.working_days_overdue
        return "overdue over 20" if late > 20 else ("overdue 6-20" if late > 5 else "overdue 1-5")
    return "due within 5" if view.working_days_to_go <= 5 else "due later"


@dataclass(frozen=True, slots=True)
class CountRow:
    title: str
    counts: tuple[int, ...]  # one per band, in BANDS order
    total: int


def count_rows(views: Sequence[ItemView]) -> list[CountRow]:
    by_title: dict[str, list[int]] = {}
    for view in views:
        by_title.setdefault(view.title, [0] * len(BANDS))[BANDS.index(band(view))] += 1
    rows = [CountRow(title, tuple(counts), sum(counts)) for title, counts in by_title.items()]
    return sorted(rows, key=lambda r: (-r.total, r.title))


def csv_cell(value: object) -> object:
    """One line of text (numbers as they are); ``checker.spreadsheet`` quotes what would start a formula."""
    return value if isinstance(value, int) else fmt.one_line("" if value is None else str(value))


def items_csv(views: Sequence[ItemView]) -> bytes:
    """Every item, most urgent first, as CSV (UTF-8 with a byte-order mark, so Excel reads it right)."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(CSV_COLUMNS)
    for v in views:
        writer.writerow([csv_cell(x) for x in (
            v.case_ref, v.initials_ref, v.title, v.key[1], "overdue" if v.overdue else "pending",
            v.due_date.isoformat(), v.working_days_overdue, v.working_days_to_go, v.done_when, v.stage,
            v.routing_note or "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_attachment(views: Sequence[ItemView], as_of: date, name: str = "housing-protocol-items") -> Attachment:
    data = items_csv(views)
    return Attachment(f"{name}-{as_of.isoformat()}.csv", "text/csv", base64.b64encode(data).decode("ascii"))


def summary_context(views: Sequence[ItemView], as_of: date, reason: str | None, urgent: int,
                    contact: str | None) -> dict[str, Any]:
    """What ``summary.html`` and ``summary.txt`` are given."""
    overdue = sum(1 for v in views if v.overdue)
    shown = list(views[:urgent])
    subject = fmt.one_line(f"Housing protocol deadlines now tracked: {fmt.actions(len(views))} for you, "
                           f"{overdue} overdue — summary")
    return {
        "subject": subject,
        "preheader": subject,
        "as_of": as_of,
        "as_of_long": fmt.full_date(as_of),
        "reason": reason or "the first check",
        "total": len(views),
        "total_text": fmt.actions(len(views)),
        "overdue": overdue,
        "bands": [BAND_LABELS[b] for b in BANDS],
        "band_totals": [sum(1 for v in views if band(v) == b) for b in BANDS],
        "rows": count_rows(views),
        "urgent": shown,
        "more": len(views) - len(shown),
        "contact": contact,
    }


def render_summary(recipient: str, items: Sequence[ItemFacts | Mapping[str, Any]], as_of: date, key: str,
                   case_url_template: str, templates_dir: Path | None = None, *, reason: str | None = None,
                   urgent: int = 10, contact: str | None = None) -> Message:
    """The go-live summary email for ``recipient`` over all of ``items`` (the planner's facts)."""
    views = item_views(items, as_of, case_url_template, personal_channel=True)
    context = summary_context(views, as_of, reason, urgent, contact)
    return Message(key=key, recipient=recipient, subject=context["subject"],
                   text=render(templates_dir, "summary.txt", context),
                   html=render(templates_dir, "summary.html", context),
                   attachments=(csv_attachment(views, as_of),))
