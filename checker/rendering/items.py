"""One reminder item as a message shows it, built from the facts the planner stored.

The facts are the planner's contract (see ``checker.planning.reminders``); this module reads them,
decides how the young person is named, works out the wording of the deadline, and orders the items:
overdue first (most overdue first), then the soonest due.

Names: only the allocated adviser's own email shows the young person's name ("Sam Khan (C1)"). Every
other message, and any item that reached its recipient through a routing fallback, shows initials and
the case reference ("S.K. (C1)"), whatever the facts carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from checker.rendering import formatting as fmt
from checker.rendering.errors import RenderingError

ESCALATED_PREFIX = "escalated-"
DISPUTE_PREFIX = "dispute-stage-"


@dataclass(frozen=True, slots=True)
class DisputeView:
    ref: str
    stage: int
    stage_name: str
    next_stage: int
    next_stage_name: str
    overdue: bool
    at_last_stage: bool


@dataclass(frozen=True, slots=True)
class ItemView:
    case_ref: str
    case_url: str
    who: str  # "Sam Khan (C1)" in the adviser's own email, else "S.K. (C1)" or "C1"
    initials_ref: str  # always "S.K. (C1)" or "C1": for cards, previews and subjects' neighbours
    title: str
    action: str  # the title as it reads in a sentence
    citation: str
    overdue: bool
    due_date: date
    due: str  # "Mon 1 Dec 2026"
    due_short: str  # "Mon 1 Dec"
    working_days_overdue: int
    working_days_to_go: int
    timing: str  # "12 working days overdue", "5 working days to go", "due today"
    overdue_since: str | None  # "Tue 2 Dec 2026"
    stage: str
    escalated: bool  # reached this recipient up the escalation ladder
    recipient_role: str  # "team manager"
    owner_role: str  # "personal adviser"
    adviser_email: str | None
    team: str | None
    dispute: DisputeView | None
    change_note: str | None
    routing_note: str | None
    sort_key: tuple[int, int, date, str, str]
    acknowledge_url: str | None = None  # the adviser's own email only (checker/actions/links.py)
    snooze_url: str | None = None


def _required(facts: Mapping[str, Any], name: str) -> Any:
    value = facts.get(name)
    if value is None or value == "":
        ref = facts.get("case_ref") or "?"
        raise RenderingError(f"a reminder item (case {ref}) has no {name!r} in its facts")
    return value


def _text(facts: Mapping[str, Any], name: str) -> str | None:
    value = facts.get(name)
    if value is None:
        return None
    return str(value).strip() or None


def _note(facts: Mapping[str, Any], name: str) -> str | None:
    text = _text(facts, name)
    return fmt.uk_dates_in(text) if text else None


def _int(facts: Mapping[str, Any], name: str) -> int:
    value = facts.get(name)
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RenderingError(f"{name} is not a whole number: {value!r}") from None


def display_names(facts: Mapping[str, Any], *, with_names: bool) -> tuple[str, str]:
    """(who, initials_ref): the young person as this message may name them."""
    case_ref = str(_required(facts, "case_ref"))
    initials = _text(facts, "initials")
    initials_ref = f"{initials} ({case_ref})" if initials else case_ref
    if with_names:
        name = " ".join(n for n in (_text(facts, "given_name"), _text(facts, "family_name")) if n)
        if name:
            return f"{name} ({case_ref})", initials_ref
    return initials_ref, initials_ref


def _timing(overdue: bool, late: int, to_go: int, due: date, as_of: date) -> str:
    if overdue:
        return f"{fmt.working_days(late)} overdue" if late else "overdue"
    if due == as_of:
        return "due today"
    if to_go == 0:
        return "last working day before it is due"  # due on a weekend or bank holiday
    return f"{fmt.working_days(to_go)} to go"


def _dispute(facts: Mapping[str, Any], overdue: bool) -> DisputeView | None:
    stage = facts.get("dispute_stage")
    if stage is None and str(facts.get("obligation")) != "dispute-escalation":
        return None
    ref = _text(facts, "ref") or "(no reference)"
    current = _int(facts, "dispute_stage") or 1
    target = facts.get("escalate_to_stage")
    following = int(target) if target is not None else min(current + 1, 4)
    return DisputeView(ref, current, fmt.dispute_stage_name(current), following,
                       fmt.dispute_stage_name(following), overdue, current >= 4)


def item_view(facts: Mapping[str, Any], as_of: date, case_url_template: str, *, personal_channel: bool) -> ItemView:
    """The view of one item. ``personal_channel``: the adviser's own email, where names may appear."""
    case_ref = str(_required(facts, "case_ref"))
    title = str(_required(facts, "title"))
    due = fmt.parse_date(_required(facts, "due_date"), f"the due date of case {case_ref}")
    overdue = facts.get("status") == "overdue" or due < as_of
    late = _int(facts, "working_days_overdue") if overdue else 0
    to_go = 0 if overdue else _int(facts, "working_days_to_go")
    role = _text(facts, "role") or "adviser"
    routing_note = _note(facts, "routing_note")
    with_names = personal_channel and role == "adviser" and routing_note is None
    who, initials_ref = display_names(facts, with_names=with_names)
    stage = _text(facts, "stage") or ""
    return ItemView(
        case_ref=case_ref,
        case_url=fmt.case_url(case_url_template, case_ref),
        who=who,
        initials_ref=initials_ref,
        title=title,
        action=fmt.action_phrase(title),
        citation=fmt.describe_citation(_text(facts, "citation")),
        overdue=overdue,
        due_date=due,
        due=fmt.day_month_year(due),
        due_short=fmt.day_month(due, as_of),
        working_days_overdue=late,
        working_days_to_go=to_go,
        timing=_timing(overdue, late, to_go, due, as_of),
        overdue_since=fmt.day_month_year(due + timedelta(days=1)) if overdue else None,
        stage=stage,
        escalated=stage.startswith((ESCALATED_PREFIX, DISPUTE_PREFIX)),
        recipient_role=fmt.role_name(role),
        owner_role=fmt.role_name(_text(facts, "owner") or "adviser"),
        adviser_email=_text(facts, "adviser_email"),
        team=_text(facts, "team"),
        dispute=_dispute(facts, overdue),
        change_note=_note(facts, "change_note"),
        routing_note=routing_note,
        sort_key=(0 if overdue else 1, -late, due, case_ref, str(facts.get("obligation") or "")),
        **_action_links(facts, personal=with_names),
    )


def _action_links(facts: Mapping[str, Any], *, personal: bool) -> dict[str, str | None]:
    """The acknowledge and snooze links, in the adviser's own email only (they act as that adviser)."""
    links = facts.get("actions")
    if not personal or not isinstance(links, Mapping):
        return {}
    return {"acknowledge_url": _text(links, "acknowledge"), "snooze_url": _text(links, "snooze")}


def item_views(items: Iterable[Mapping[str, Any]], as_of: date, case_url_template: str, *,
               personal_channel: bool) -> list[ItemView]:
    """The items in reading order: overdue first (most overdue first), then due soonest."""
    views = [item_view(i, as_of, case_url_template, personal_channel=personal_channel) for i in items]
    if not views:
        raise RenderingError("a reminder needs at least one item")
    return sorted(views, key=lambda v: v.sort_key)
