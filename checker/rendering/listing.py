"""A message's items as rendering uses them, from one pass over a stream: the items a message lists, and counts.

A message may hold tens of thousands of items (an escalation to a head of service, a go-live summary), and it
lists at most ``delivery.max_items_per_message`` of them. ``build_listing`` reads the items once, in due-date
order (as ``state.notifications.live_items`` yields them), and keeps only the views it will list, the counts
the wording needs (overdue, escalated, cases, roles, the first and last pending, age bands by action) and the
CSV rows of every item. Only the items it keeps (those listed, the first and last pending) get a full view
(``items.item_view``); every other item is counted and written to the CSV from its ``entries.Entry``, the few
facts those need, so a go-live summary over tens of thousands of items costs little more than reading them.

Reading order is overdue first (most overdue first), then the soonest due: for one message, planned on one day,
that is the order of the due dates, and items of one due date are sorted exactly (``items.item_views``' order
and merging of one action that reached the recipient twice). The items listed are the first in reading order
whatever order the stream came in; the CSV follows the stream.
"""

from __future__ import annotations

import base64
import bisect
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker import spreadsheet
from checker.facts import ItemFacts
from checker.rendering import formatting as fmt
from checker.rendering.entries import Brief, Entry, brief
from checker.rendering.errors import RenderingError
from checker.rendering.items import ItemView, as_facts
from notifiers.base import Attachment

BANDS = ("overdue over 20", "overdue 6-20", "overdue 1-5", "due within 5", "due later")
CSV_COLUMNS = ("case_ref", "young_person", "action", "obligation", "status", "due_date", "working_days_overdue",
               "working_days_to_go", "done_when", "stage", "note")
Order = tuple[tuple[int, int, date, str, str], int]  # (sort key, position in the stream)


def band(view: ItemView | Entry) -> str:
    if view.overdue:
        late = view.working_days_overdue
        return "overdue over 20" if late > 20 else ("overdue 6-20" if late > 5 else "overdue 1-5")
    return "due within 5" if view.working_days_to_go <= 5 else "due later"


def csv_cell(value: object) -> object:
    """One line of text (numbers as they are); ``checker.spreadsheet`` quotes what would start a formula."""
    return value if isinstance(value, int) else fmt.one_line("" if value is None else str(value))


@dataclass
class Listing:
    """What a message says about its items (see the module docstring); ``shown`` in reading order."""

    cap: int
    shown_ordered: list[tuple[Order, Entry]] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    escalated: int = 0
    overdue_escalated: int = 0
    cases: set[str] = field(default_factory=set)
    teams: set[str | None] = field(default_factory=set)
    rerouted: bool = False
    first_pending: tuple[Order, Entry] | None = None
    last_pending: tuple[date, Order, Entry] | None = None  # the latest due date, first in reading order
    role_order: dict[str, Order] = field(default_factory=dict)  # roles of items not re-routed: first place
    bands: dict[str, list[int]] = field(default_factory=dict)  # action title -> items per band (BANDS order)
    _csv: io.StringIO = field(default_factory=io.StringIO)
    _writer: Any = None

    def __post_init__(self) -> None:
        self._csv.write("\ufeff")  # a byte-order mark, so Excel reads UTF-8
        self._writer = spreadsheet.writer(self._csv)
        self._writer.writerow(CSV_COLUMNS)

    @property
    def shown(self) -> list[ItemView]:
        return [entry.view for _, entry in self.shown_ordered]

    @property
    def pending(self) -> int:
        return self.total - self.overdue

    @property
    def first(self) -> ItemView:
        return self.shown_ordered[0][1].view

    @property
    def soonest_pending(self) -> ItemView | None:
        return self.first_pending[1].view if self.first_pending else None

    @property
    def latest_pending(self) -> ItemView | None:
        return self.last_pending[2].view if self.last_pending else None

    @property
    def roles(self) -> list[str]:
        return sorted(self.role_order, key=lambda role: self.role_order[role])

    @property
    def more(self) -> int:
        return self.total - len(self.shown_ordered)

    def band_totals(self) -> list[int]:
        return [sum(counts[i] for counts in self.bands.values()) for i in range(len(BANDS))]

    def add(self, view: Entry) -> None:
        order: Order = (view.sort_key, self.total)
        self.total += 1
        if len(self.shown_ordered) < self.cap or order < self.shown_ordered[-1][0]:
            bisect.insort(self.shown_ordered, (order, view), key=lambda entry: entry[0])
            del self.shown_ordered[self.cap:]
        facts = view.chosen
        self.cases.add(facts.case_ref)
        self.teams.add(facts.team)
        self.escalated += view.escalated
        if view.overdue:
            self.overdue += 1
            self.overdue_escalated += view.escalated
        else:
            if self.first_pending is None or order < self.first_pending[0]:
                self.first_pending = (order, view)
            latest = self.last_pending
            if latest is None or view.due_date > latest[0] or (view.due_date == latest[0] and order < latest[1]):
                self.last_pending = (view.due_date, order, view)
        if view.routing_note:
            self.rerouted = True
        else:
            role = fmt.role_name(facts.role.value)
            if role not in self.role_order or order < self.role_order[role]:
                self.role_order[role] = order
        self.bands.setdefault(facts.title, [0] * len(BANDS))[BANDS.index(band(view))] += 1
        self._writer.writerow([csv_cell(x) for x in view.csv_values()])

    def csv_bytes(self) -> bytes:
        """Every item, in the stream's (reading) order, as CSV in UTF-8 with a byte-order mark."""
        return self._csv.getvalue().encode("utf-8")

    def csv_attachment(self, as_of: date, name: str = "housing-protocol-items") -> Attachment:
        return Attachment(f"{name}-{as_of.isoformat()}.csv", "text/csv",
                          base64.b64encode(self.csv_bytes()).decode("ascii"))


def in_due_order(items: Iterable[ItemFacts | Mapping[str, Any]]) -> Iterable[ItemFacts | Mapping[str, Any]]:
    """A list or tuple sorted by due date (stable); any other iterable as it comes (a stream in that order)."""
    if isinstance(items, Sequence):
        return sorted((as_facts(i) for i in items), key=lambda facts: facts.due_date)
    return items


def build_listing(items: Iterable[ItemFacts | Mapping[str, Any]], as_of: date, case_url_template: str, *,
                  personal_channel: bool, cap: int) -> Listing:
    """One pass over ``items`` (in due-date order; a sequence is sorted first): see the module docstring."""
    listing = Listing(cap=max(cap, 1))
    run: dict[tuple[str, str, str, date], list[Brief]] = {}
    due: date | None = None

    def flush() -> None:
        entries = [Entry(group, as_of, case_url_template, personal_channel) for group in run.values()]
        for entry in sorted(entries, key=lambda e: e.sort_key):
            listing.add(entry)
        run.clear()

    for item in in_due_order(items):
        facts = brief(item)
        if facts.due_date != due:
            flush()
            due = facts.due_date
        run.setdefault(facts.key, []).append(facts)
    flush()
    if not listing.total:
        raise RenderingError("a reminder needs at least one item")
    return listing
