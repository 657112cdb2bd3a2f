"""One action of a message as a listing counts it and writes it to the CSV, without its full view.

A go-live summary or an escalation may hold tens of thousands of items and lists ten or twenty-five of them
in full (``rendering/listing.py``). Every item is counted and written to the CSV; only those listed need an
``items.ItemView`` (dates in words, links, the dispute's stages). ``brief`` reads from a stored item just what
the counts and the CSV need; an ``Entry`` is one action (the items of one case, obligation, reference and
due date: one, or two when it reached the recipient by two routes) and builds its view only when asked,
exactly as ``items.merged`` over ``items.item_view`` would.

``brief`` reads a stored item (a dict) directly when every value it looks at has the shape the planner
writes; anything else goes through ``ItemFacts.from_json`` (``items.as_facts``), so a malformed item is the
same ``RenderingError`` as before and an unusual but valid one reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.facts import FactsError, ItemFacts, Stage
from checker.rendering import formatting as fmt
from checker.rendering.items import ItemView, as_facts, done_when_text, initials_ref, item_view, merged
from rules.records import Role, Status

_STATUS = {s.value: s for s in Status}
_ROLE = {r.value: r for r in Role}
_DAYS: dict[str, date] = {}  # ISO text -> date: the few hundred due dates of a message
_DAYS_MOST = 20_000


@dataclass(frozen=True, slots=True)
class Brief:
    """What a listing reads of one item; ``source``: the item itself, for its full view."""

    source: ItemFacts | Mapping[str, Any]
    case_ref: str
    title: str
    obligation: str
    ref: str | None
    initials: str | None
    due_date: date
    status: Status | None
    stage: Stage | None
    role: Role
    working_days_overdue: int
    working_days_to_go: int
    routing_note: str | None
    team: str | None
    done_when: tuple[str, ...]
    dispute_stage: int | None

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.case_ref, self.obligation, self.ref or "", self.due_date)


def brief(item: ItemFacts | Mapping[str, Any]) -> Brief:
    """``item`` briefly (see the module docstring); a malformed item is a ``RenderingError``."""
    if not isinstance(item, ItemFacts):
        found = _plain(item)
        if found is not None:
            return found
        item = as_facts(item)
    return Brief(item, item.case_ref, item.title, item.obligation, item.ref, item.initials, item.due_date,
                 item.status, item.stage, item.role, item.working_days_overdue, item.working_days_to_go,
                 item.routing_note, item.team, item.done_when, item.dispute_stage)


def _text(value: Any) -> str | None:
    """As ``ItemFacts.from_json`` reads an optional text, for a value that is text or absent."""
    if value is None:
        return None
    if type(value) is not str:
        raise TypeError
    return value.strip() or None


def _day(value: Any) -> date:
    found = _DAYS.get(value)
    if found is None:
        found = date.fromisoformat(value)  # not text, or not a date: ValueError or TypeError
        if len(_DAYS) < _DAYS_MOST:
            _DAYS[value] = found
    return found


def _count(value: Any, low: int, high: int | None, default: int | None) -> int | None:
    if value is None:
        return default
    if type(value) is not int or value < low or (high is not None and value > high):
        raise TypeError
    return value


def _plain(data: Mapping[str, Any]) -> Brief | None:
    """``data`` read directly, or ``None`` when any value it looks at is not as the planner writes it."""
    try:
        case_ref, title = data.get("case_ref"), data.get("title")
        if type(case_ref) is not str or not case_ref or case_ref != case_ref.strip():
            return None
        if type(title) is not str or not title:
            return None
        status, role, owner = _text(data.get("status")), _text(data.get("role")), _text(data.get("owner"))
        stage = _text(data.get("stage"))
        if owner is not None and owner not in _ROLE:
            return None
        obligation = data.get("obligation")
        columns = data.get("done_when")
        if not (columns is None or (type(columns) is list and all(type(c) is str for c in columns))):
            return None
        next_day = data.get("next_working_day")
        if next_day:
            _day(next_day)
        _count(data.get("escalate_to_stage"), 1, 4, None)
        return Brief(
            data, case_ref, title, obligation if type(obligation) is str else str(obligation or ""),
            _text(data.get("ref")), _text(data.get("initials")), _day(data.get("due_date")),
            _STATUS[status] if status is not None else None, Stage.parse(stage) if stage else None,
            _ROLE[role] if role is not None else Role.ADVISER,
            _count(data.get("working_days_overdue"), 0, None, 0) or 0,
            _count(data.get("working_days_to_go"), 0, None, 0) or 0,
            _text(data.get("routing_note")), _text(data.get("team")), tuple(columns or ()),
            _count(data.get("dispute_stage"), 1, 4, None))
    except (TypeError, ValueError, KeyError, FactsError):
        return None


@dataclass(slots=True)
class Entry:
    """One action of a message with what the counts and the CSV read, as its ``ItemView`` would say it; the
    view itself is built only when asked for (``view``)."""

    group: list[Brief]
    as_of: date
    case_url_template: str
    personal_channel: bool
    chosen: Brief = field(init=False)
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
            self._view = merged([item_view(f.source, self.as_of, self.case_url_template,
                                           personal_channel=self.personal_channel) for f in self.group])
        return self._view

    @property
    def due_date(self) -> date:
        return self.chosen.due_date

    def csv_values(self) -> tuple[object, ...]:
        """The CSV row's values, as ``listing.CSV_COLUMNS`` names them."""
        f = self.chosen
        return (f.case_ref, initials_ref(f.case_ref, f.initials), f.title, f.obligation,
                "overdue" if self.overdue else "pending", f.due_date.isoformat(), self.working_days_overdue,
                self.working_days_to_go, done_when_text(f.done_when, f.dispute_stage, f.ref),
                str(f.stage) if f.stage else "", self.routing_note or "")
