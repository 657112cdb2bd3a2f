"""A message's items as rendering uses them, from one pass over a stream: the items a message lists, and counts.

A message may hold tens of thousands of items (an escalation to a head of service, a go-live summary), and it
lists at most ``delivery.max_items_per_message`` of them. ``build_listing`` reads the items once, in due-date
order (as ``state.notifications.live_items`` yields them), and keeps only the views it will list, the counts
the wording needs (overdue, escalated, cases, roles, the first and last pending, age bands by action) and the
CSV rows of every item. Only the items it keeps (those listed, the first and last pending) get a full view
(``items.item_view``: dates in words, links, the dispute's stages); every other item is counted and written to
the CSV from an ``Entry``, the few facts those need, so a go-live summary over tens of thousands of items
costs little more than reading them.

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
from checker.rendering.errors import RenderingError
from checker.rendering.items import ItemView, as_facts, done_when, initials_ref, item_view, merged
from notifiers.base import Attachment
from rules.records import Status

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


@dataclass(slots=True)
class Entry:
    """One action of a message (its items for one case, obligation, reference and due date: usually one, two
    when it reached the recipient by two routes) with what the counts and the CSV read, as ``ItemView`` has it;
    the full view is built only when asked for (``view``), as ``items.merged`` would make it."""

    group: list[ItemFacts]
    as_of: date
    case_url_template: str
    personal_channel: bool
    chosen: ItemFacts = field(init=False)
    overdue: bool = field(init=False)
    working_days_overdue: int = field(init=False)
    working_days_to_go: int = field(init=False)
    escalated: bool = field(init=False)
    routing_note: str | None = field(init=False)
    sort_key: tuple[int, int, date, str, str] = field(init=False)
    _view: ItemView | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        group = self.group
        chosen = next((f for f in group if f.stage is not None and f.stage.up_the_ladder), group[0])
        self.chosen = chosen
        self.escalated = chosen.stage is not None and chosen.stage.up_the_ladder
        due = chosen.due_date
        self.overdue = chosen.status is Status.OVERDUE or due < self.as_of
        self.working_days_overdue = chosen.working_days_overdue if self.overdue else 0
        self.working_days_to_go = 0 if self.overdue else chosen.working_days_to_go
        note = next((f.routing_note for f in group if f.routing_note), None)
        self.routing_note = fmt.uk_dates_in(note) if note else None
        self.sort_key = (0 if self.overdue else 1, -self.working_days_overdue, due, chosen.case_ref,
                         chosen.obligation)

    @property
    def view(self) -> ItemView:
        if self._view is None:
            self._view = merged([item_view(f, self.as_of, self.case_url_template,
                                           personal_channel=self.personal_channel) for f in self.group])
        return self._view

    @property
    def due_date(self) -> date:
        return self.chosen.due_date

    def csv_row(self) -> list[object]:
        f = self.chosen
        return [csv_cell(x) for x in (
            f.case_ref, initials_ref(f.case_ref, f.initials), f.title, f.obligation,
            "overdue" if self.overdue else "pending", f.due_date.isoformat(), self.working_days_overdue,
            self.working_days_to_go, done_when(f), str(f.stage) if f.stage else "", self.routing_note or "")]


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
        self._writer.writerow(view.csv_row())

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
    run: dict[tuple[str, str, str, date], list[ItemFacts]] = {}
    due: date | None = None

    def flush() -> None:
        entries = [Entry(group, as_of, case_url_template, personal_channel) for group in run.values()]
        for entry in sorted(entries, key=lambda e: e.sort_key):
            listing.add(entry)
        run.clear()

    for item in in_due_order(items):
        facts = as_facts(item)
        if facts.due_date != due:
            flush()
            due = facts.due_date
        run.setdefault((*facts.key, facts.due_date), []).append(facts)
    flush()
    if not listing.total:
        raise RenderingError("a reminder needs at least one item")
    return listing
