"""The go-live summary (``checker/planning/go_live.py``): one email per recipient instead of one per item.

It counts the recipient's open items by obligation and age band, lists the most urgent ones in full (the
``go_live.urgent_items`` setting, 10 by default) and attaches every item as a CSV file. Like any email,
the young person is shown by initials and case reference, except in an adviser's own summary; the CSV
carries initials and case references only, written by ``checker.spreadsheet`` (a cell that a spreadsheet
would read as a formula is quoted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from checker.facts import ItemFacts
from checker.rendering import formatting as fmt
from checker.rendering.environment import render
from checker.rendering.listing import BANDS, Listing, build_listing
from notifiers.base import Message

BAND_LABELS = {
    "overdue over 20": "Overdue over 20 working days",
    "overdue 6-20": "Overdue 6 to 20 working days",
    "overdue 1-5": "Overdue up to 5 working days",
    "due within 5": "Due within 5 working days",
    "due later": "Due later",
}


@dataclass(frozen=True, slots=True)
class CountRow:
    title: str
    counts: tuple[int, ...]  # one per band, in BANDS order
    total: int


def count_rows(items: Listing) -> list[CountRow]:
    rows = [CountRow(title, tuple(counts), sum(counts)) for title, counts in items.bands.items()]
    return sorted(rows, key=lambda r: (-r.total, r.title))


def summary_context(items: Listing, as_of: date, reason: str | None, contact: str | None) -> dict[str, Any]:
    """What ``summary.html`` and ``summary.txt`` are given (``urgent``: the items listed in full)."""
    subject = fmt.one_line(f"Housing protocol deadlines now tracked: {fmt.actions(items.total)} for you, "
                           f"{items.overdue} overdue — summary")
    return {
        "subject": subject,
        "preheader": subject,
        "as_of": as_of,
        "as_of_long": fmt.full_date(as_of),
        "reason": reason or "the first check",
        "total": items.total,
        "total_text": fmt.actions(items.total),
        "overdue": items.overdue,
        "bands": [BAND_LABELS[b] for b in BANDS],
        "band_totals": items.band_totals(),
        "rows": count_rows(items),
        "urgent": items.shown,
        "more": items.more,
        "contact": contact,
    }


def render_summary(recipient: str, items: Iterable[ItemFacts | Mapping[str, Any]], as_of: date, key: str,
                   case_url_template: str, templates_dir: Path | None = None, *, reason: str | None = None,
                   urgent: int = 10, contact: str | None = None) -> Message:
    """The go-live summary email for ``recipient`` over all of ``items`` (a list, or a stream in due-date order:
    ``listing.py``)."""
    listing = build_listing(items, as_of, case_url_template, personal_channel=True, cap=urgent)
    context = summary_context(listing, as_of, reason, contact)
    return Message(key=key, recipient=recipient, subject=context["subject"],
                   text=render(templates_dir, "summary.txt", context),
                   html=render(templates_dir, "summary.html", context),
                   attachments=(listing.csv_attachment(as_of),))
