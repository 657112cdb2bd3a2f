"""The typed facts that cross from planning to rendering: channels, message kinds, stages and items.

The planner (``checker.planning``) decides what to tell whom; the renderer (``checker.rendering``) decides
how it reads. Between them, each reminder item is stored as JSON on its notification row. This module is
the one contract for that seam:

- ``Channel``: how a message travels (email, the adviser's Teams activity feed, a team's Teams channel).
- ``MessageKind``: what an outbox message is (a reminder, a weekly digest, an operator alert, a board report
  or review request).
- ``Stage``: which reminder an item is: ``lead-20`` (due within 20 working days), ``due`` (no working day
  left), ``overdue-k`` (the k-th overdue repeat), ``escalated-<role>`` (up the ladder) and its repeats
  ``escalated-<role>-repeat-k``, or ``dispute-stage-<n>`` (a dispute that must go to stage n).
  ``str(stage)`` is the stored form.
- ``ItemFacts``: one item's facts, frozen and checked when built: a missing case reference or title, a
  date that is not a date, a negative count or an unknown status, role or stage is refused with a
  ``FactsError`` naming the case reference and the field (never a name or an address).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any

from rules.records import Role, Status


class FactsError(ValueError):
    """An item's facts are incomplete or malformed (the message names the case reference and the field)."""


class Channel(StrEnum):
    EMAIL = "email"
    TEAMS_ACTIVITY = "teams_activity"
    TEAMS_CHANNEL = "teams_channel"


class MessageKind(StrEnum):
    REMINDER = "reminder"
    SUMMARY = "summary"  # a go-live's one message per recipient (checker/planning/go_live.py)
    DIGEST = "digest"
    DAILY = "daily"  # an adviser's daily digest (checker/planning/daily.py)
    OPERATOR = "operator"
    REPORT = "report"
    REVIEW = "review"


class StageKind(StrEnum):
    LEAD = "lead"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    DISPUTE = "dispute-stage"


_PARSED: dict[str, Stage] = {}  # Stage.parse's results: a few dozen stage texts recur in every message
_PARSED_MOST = 4096
_STAGE = re.compile(r"^(?:(lead|overdue|dispute-stage)-(\d{1,4})|(due)|escalated-([a-z_]+?)(?:-repeat-(\d{1,4}))?)$")


@dataclass(frozen=True, slots=True)
class Stage:
    """A reminder stage: ``Stage.lead(20)``, ``Stage.due()``, ``Stage.overdue(0)``, ``Stage.escalated(role)``,
    ``Stage.dispute(3)``; ``Stage.parse(str(stage)) == stage``."""

    kind: StageKind
    number: int | None = None  # the lead time, the overdue repeat, the escalation's repeat or the dispute stage
    role: Role | None = None  # whom an escalation goes to
    _text: str = field(init=False, repr=False, compare=False)  # str(stage), made once: it is asked for often

    def __post_init__(self) -> None:
        numbered = self.kind in (StageKind.LEAD, StageKind.OVERDUE, StageKind.DISPUTE)
        optional = self.kind is StageKind.ESCALATED and (self.number is None or self.number >= 1)
        if not optional and (numbered != (self.number is not None) or (self.number is not None and self.number < 0)):
            raise FactsError(f"a {self.kind} stage {'needs' if numbered else 'has no'} a number "
                             f"(got {self.number!r})")
        if (self.kind is StageKind.ESCALATED) != (self.role is not None):
            raise FactsError(f"only an escalated stage names a role (got {self.kind} and {self.role!r})")
        if self.kind is StageKind.DUE:
            text = "due"
        elif self.kind is StageKind.ESCALATED:
            text = f"escalated-{self.role}" + (f"-repeat-{self.number}" if self.number else "")
        else:
            text = f"{self.kind}-{self.number}"
        object.__setattr__(self, "_text", text)

    @classmethod
    def lead(cls, working_days: int) -> Stage:
        return cls(StageKind.LEAD, working_days)

    @classmethod
    def due(cls) -> Stage:
        return cls(StageKind.DUE)

    @classmethod
    def overdue(cls, repeat: int) -> Stage:
        return cls(StageKind.OVERDUE, repeat)

    @classmethod
    def escalated(cls, role: Role, repeat: int | None = None) -> Stage:
        """The escalation to ``role``; ``repeat`` k >= 1 for its k-th repeat (``escalation_repeats``)."""
        return cls(StageKind.ESCALATED, repeat, role)

    @classmethod
    def dispute(cls, stage: int) -> Stage:
        return cls(StageKind.DISPUTE, stage)

    @classmethod
    def parse(cls, text: str) -> Stage:
        """The stage ``text`` names (``str(stage)``); a stage is immutable, so each text is parsed once."""
        found = _PARSED.get(text)
        if found is None:
            found = cls._parse(text)
            if len(_PARSED) < _PARSED_MOST:
                _PARSED[text] = found
        return found

    @classmethod
    def _parse(cls, text: str) -> Stage:
        match = _STAGE.match(text)
        if match is None:
            raise FactsError(f"{text[:40]!r} is not a reminder stage (lead-N, due, overdue-N, escalated-ROLE, "
                             "dispute-stage-N)")
        kind, number, due, role, repeat = match.groups()
        if due:
            return cls.due()
        if role is not None:
            try:
                return cls.escalated(Role(role), int(repeat) if repeat else None)
            except ValueError:
                raise FactsError(f"{role!r} is not a role an item can be escalated to") from None
        return cls(StageKind(kind), int(number))

    @property
    def to_owner(self) -> bool:
        """A reminder to the item's owner (lead, due, overdue), not a step up the ladder."""
        return self.kind in (StageKind.LEAD, StageKind.DUE, StageKind.OVERDUE)

    @property
    def up_the_ladder(self) -> bool:
        return not self.to_owner

    @property
    def first_telling(self) -> Stage:
        """The stage without an escalation's repeat number (a team channel hears of an escalation once)."""
        return Stage.escalated(self.role) if self.kind is StageKind.ESCALATED and self.role else self
    def __str__(self) -> str:
        return self._text


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What a message may say about one item. Names are set only for the allocated adviser's own email."""

    case_ref: str
    title: str
    due_date: date
    stage: Stage | None = None  # None only in hand-made samples; the planner always sets one
    status: Status | None = None
    role: Role = Role.ADVISER  # whom this item is for
    owner: Role = Role.ADVISER  # who must act
    obligation: str = ""
    initials: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    citation: str = ""
    ref: str | None = None
    working_days_overdue: int = 0
    working_days_to_go: int = 0
    adviser_email: str | None = None
    team: str | None = None
    dispute_stage: int | None = None
    escalate_to_stage: int | None = None
    change_note: str | None = None
    routing_note: str | None = None
    done_when: tuple[str, ...] = ()  # the case record's columns that complete the obligation
    actions: Mapping[str, str] | None = None  # the acknowledge and snooze links (checker/actions/links.py)
    links_elsewhere: bool = False  # a channel item: its adviser has the links in their own messages
    next_working_day: date | None = None  # set when the due date is not a working day
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        where = f"a reminder item (case {self.case_ref or '?'})"
        if not self.case_ref:
            raise FactsError(f"{where} has no 'case_ref' in its facts")
        if not self.title:
            raise FactsError(f"{where} has no 'title' in its facts")
        for name in ("working_days_overdue", "working_days_to_go"):
            if getattr(self, name) < 0:
                raise FactsError(f"{where}: {name} is negative")
        for name in ("dispute_stage", "escalate_to_stage"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 4:
                raise FactsError(f"{where}: {name} is not a dispute stage from 1 to 4")

    @property
    def key(self) -> tuple[str, str, str]:
        """The item's identity: one case, one obligation, one dispute reference (or none)."""
        return (self.case_ref, self.obligation, self.ref or "")

    def to_json(self) -> dict[str, Any]:
        """The facts as the notification row stores them (JSON-ready: dates and enums as text)."""
        # Shallow, field by field: ``dataclasses.asdict`` deep-copies and cost a tenth of a first tick's time.
        data = {name: getattr(self, name) for name in _FACT_FIELDS}
        data["actions"] = dict(self.actions) if self.actions else None
        data.update(due_date=self.due_date.isoformat(), stage=str(self.stage) if self.stage else None,
                    status=self.status.value if self.status else None, role=self.role.value,
                    owner=self.owner.value, done_when=list(self.done_when),
                    next_working_day=self.next_working_day.isoformat() if self.next_working_day else None)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemFacts:
        """Facts from a stored row (or a test's or sample's dict); absent optional facts take their defaults."""
        case_ref = _optional_text(data.get("case_ref")) or ""
        where = f"a reminder item (case {case_ref or '?'})"

        def required(name: str) -> Any:
            value = data.get(name)
            if value is None or value == "":
                raise FactsError(f"{where} has no {name!r} in its facts")
            return value

        def day(name: str, value: Any) -> date:
            if isinstance(value, date):
                return value
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                raise FactsError(f"{where}: {name} is not an ISO date (YYYY-MM-DD)") from None

        def whole(name: str, default: int | None) -> int | None:
            value = data.get(name)
            if value is None:
                return default
            try:
                return int(value)
            except (TypeError, ValueError):
                raise FactsError(f"{where}: {name} is not a whole number: {value!r}") from None

        def enum(kind: type[Role] | type[Status], name: str, default: Any) -> Any:
            value = _optional_text(data.get(name))
            if value is None:
                return default
            try:
                return kind(value)
            except ValueError:
                raise FactsError(f"{where}: {name} {value[:40]!r} is not one of "
                                 f"{', '.join(m.value for m in kind)}") from None

        def stage() -> Stage | None:
            text = _optional_text(data.get("stage"))
            try:
                return Stage.parse(text) if text else None
            except FactsError as exc:
                raise FactsError(f"{where}: stage {exc}") from None

        known = set(cls.__dataclass_fields__)
        next_day = data.get("next_working_day")
        return cls(
            case_ref=str(required("case_ref")).strip(),
            title=str(required("title")),
            due_date=day("due_date", required("due_date")),
            stage=stage(),
            status=enum(Status, "status", None),
            role=enum(Role, "role", Role.ADVISER),
            owner=enum(Role, "owner", Role.ADVISER),
            obligation=str(data.get("obligation") or ""),
            initials=_optional_text(data.get("initials")),
            given_name=_optional_text(data.get("given_name")),
            family_name=_optional_text(data.get("family_name")),
            citation=str(data.get("citation") or ""),
            ref=_optional_text(data.get("ref")),
            working_days_overdue=whole("working_days_overdue", 0) or 0,
            working_days_to_go=whole("working_days_to_go", 0) or 0,
            adviser_email=_optional_text(data.get("adviser_email")),
            team=_optional_text(data.get("team")),
            dispute_stage=whole("dispute_stage", None),
            escalate_to_stage=whole("escalate_to_stage", None),
            change_note=_optional_text(data.get("change_note")),
            routing_note=_optional_text(data.get("routing_note")),
            done_when=tuple(str(c) for c in data.get("done_when") or ()),
            actions=({str(k): str(v) for k, v in links.items()}
                     if isinstance(links := data.get("actions"), Mapping) and links else None),
            next_working_day=day("next_working_day", next_day) if next_day else None,
            links_elsewhere=data.get("links_elsewhere") is True,
            extra={k: v for k, v in data.items() if k not in known},
        )


_FACT_FIELDS = tuple(f.name for f in fields(ItemFacts) if f.name != "extra")  # what to_json stores
