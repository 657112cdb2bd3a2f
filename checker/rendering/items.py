"""One reminder item as a message shows it, built from the facts the planner stored.

The facts are the planner's contract (see ``checker.planning.reminders``); this module reads them,
decides how the young person is named, works out the wording of the deadline, and orders the items:
overdue first (most overdue first), then the soonest due.

Names: only the allocated adviser's own email shows the young person's name ("Sam Khan (C1)"). Every
other message, and any item that reached its recipient through a routing fallback, shows initials and
the case reference ("S.K. (C1)"), whatever the facts carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from checker.facts import FactsError, ItemFacts
from checker.rendering import formatting as fmt
from checker.rendering.errors import RenderingError
from rules.records import Role, Status


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
    choose_url: str | None = None  # the adviser's own activity feed: one link offering both actions
    links_elsewhere: bool = False  # a channel item whose adviser has the links in their own messages
    key: tuple[str, str, str, date] = ("", "", "", date.min)  # case, obligation, dispute ref, due: one action
    done_when: str = ""  # "the case record's field pathway_plan_reviewed_on is filled in"
    snooze: str = ""  # the command that snoozes it, until the message carries a link
    next_working_day: str | None = None  # "Mon 17 Mar 2025" when the due date is not a working day
    unallocated: bool = False  # the owner is the personal adviser and none is allocated


def _note(text: str | None) -> str | None:
    return fmt.uk_dates_in(text) if text else None


def initials_ref(case_ref: str, initials: object) -> str:
    """'S.K. (C1)', or the case reference alone when there are no initials."""
    shown = str(initials).strip() if initials is not None else ""
    return f"{shown} ({case_ref})" if shown else case_ref


def display_names(facts: ItemFacts, *, with_names: bool) -> tuple[str, str]:
    """(who, initials_ref): the young person as this message may name them."""
    case_ref = facts.case_ref
    short = initials_ref(case_ref, facts.initials)
    if with_names:
        name = " ".join(n for n in (facts.given_name, facts.family_name) if n)
        if name:
            return f"{name} ({case_ref})", short
    return short, short


def _timing(overdue: bool, late: int, to_go: int, due: date, as_of: date) -> str:
    if overdue:
        return f"{fmt.working_days(late)} overdue" if late else "overdue"
    if due == as_of:
        return "due today"
    if to_go == 0:
        return "last working day before it is due"  # due on a weekend or bank holiday
    return f"{fmt.working_days(to_go)} to go"


def _dispute(facts: ItemFacts, overdue: bool) -> DisputeView | None:
    if facts.dispute_stage is None and facts.obligation != "dispute-escalation":
        return None
    ref = facts.ref or "(no reference)"
    current = facts.dispute_stage or 1
    target = facts.escalate_to_stage
    following = target if target is not None else min(current + 1, 4)
    return DisputeView(ref, current, fmt.dispute_stage_name(current), following,
                       fmt.dispute_stage_name(following), overdue, current >= 4)


def as_facts(item: ItemFacts | Mapping[str, Any]) -> ItemFacts:
    """``item`` as typed facts (a stored row's JSON is checked here); a malformed one is a ``RenderingError``."""
    if isinstance(item, ItemFacts):
        return item
    try:
        return ItemFacts.from_json(item)
    except FactsError as exc:
        raise RenderingError(str(exc)) from None


def item_view(item: ItemFacts | Mapping[str, Any], as_of: date, case_url_template: str, *,
              personal_channel: bool) -> ItemView:
    """The view of one item. ``personal_channel``: the adviser's own email, where names may appear."""
    facts = as_facts(item)
    case_ref = facts.case_ref
    due = facts.due_date
    overdue = facts.status is Status.OVERDUE or due < as_of
    late = facts.working_days_overdue if overdue else 0
    to_go = 0 if overdue else facts.working_days_to_go
    routing_note = _note(facts.routing_note)
    with_names = personal_channel and facts.role is Role.ADVISER and routing_note is None
    who, short = display_names(facts, with_names=with_names)
    stage = facts.stage
    return ItemView(
        case_ref=case_ref,
        case_url=fmt.case_url(case_url_template, case_ref),
        who=who,
        initials_ref=short,
        title=facts.title,
        action=fmt.action_phrase(facts.title),
        citation=fmt.describe_citation(facts.citation or None),
        overdue=overdue,
        due_date=due,
        due=fmt.day_month_year(due),
        due_short=fmt.day_month(due, as_of),
        working_days_overdue=late,
        working_days_to_go=to_go,
        timing=_timing(overdue, late, to_go, due, as_of),
        overdue_since=fmt.day_month_year(due + timedelta(days=1)) if overdue else None,
        stage=str(stage) if stage else "",
        escalated=stage is not None and stage.up_the_ladder,
        recipient_role=fmt.role_name(facts.role.value),
        owner_role=fmt.role_name(facts.owner.value),
        adviser_email=facts.adviser_email,
        team=facts.team,
        dispute=_dispute(facts, overdue),
        change_note=_note(facts.change_note),
        routing_note=routing_note,
        sort_key=(0 if overdue else 1, -late, due, case_ref, facts.obligation),
        key=(*facts.key, due),
        done_when=done_when(facts),
        snooze=_snooze(facts),
        next_working_day=fmt.day_month_year(facts.next_working_day) if facts.next_working_day else None,
        unallocated=facts.owner is Role.ADVISER and not facts.adviser_email,
        links_elsewhere=facts.links_elsewhere,
        **_action_links(facts, personal=with_names, own=facts.role is Role.ADVISER and routing_note is None),
    )


def _action_links(facts: ItemFacts, *, personal: bool, own: bool) -> dict[str, str | None]:
    """The acknowledge and snooze links, in the adviser's own email only (they act as that adviser); the
    "choose" link of the adviser's own activity feed item (``own``: no names there, but still theirs)."""
    links = facts.actions
    if not links:
        return {}
    found: dict[str, str | None] = {}
    if personal:
        found.update(acknowledge_url=(links.get("acknowledge") or "").strip() or None,
                     snooze_url=(links.get("snooze") or "").strip() or None)
    if own:
        found["choose_url"] = (links.get("choose") or "").strip() or None
    return found


def done_when(facts: ItemFacts) -> str:
    """What completes the item, in words (empty when the facts do not say)."""
    return done_when_text(facts.done_when, facts.dispute_stage, facts.ref)


def done_when_text(columns: Sequence[str], dispute_stage: int | None, ref: str | None) -> str:
    if not columns:
        return ""
    record = "dispute record" if dispute_stage is not None or ref else "case record"
    return f"the {record}'s field {' and '.join(columns)} holds the date it was done"


def _snooze(facts: ItemFacts) -> str:
    if not facts.obligation:
        return ""
    ref = f" --ref {facts.ref}" if facts.ref else ""
    return f'checker snooze {facts.case_ref} {facts.obligation}{ref} --until YYYY-MM-DD --reason "why"'


def merged(group: list[ItemView]) -> ItemView:
    """One view for one action that reached a recipient by two routes (e.g. re-routed to the team manager as
    the adviser's reminder and escalated to them too): the step up the ladder, with every note."""
    chosen = next((v for v in group if v.escalated), group[0])
    routing = next((v.routing_note for v in group if v.routing_note), None)
    change = next((v.change_note for v in group if v.change_note), None)
    return replace(chosen, routing_note=routing, change_note=change)


def item_views(items: Iterable[ItemFacts | Mapping[str, Any]], as_of: date, case_url_template: str, *,
               personal_channel: bool) -> list[ItemView]:
    """The items in reading order: overdue first (most overdue first), then due soonest."""
    groups: dict[tuple[str, str, str, date], list[ItemView]] = {}
    for i in items:
        view = item_view(i, as_of, case_url_template, personal_channel=personal_channel)
        groups.setdefault(view.key, []).append(view)
    if not groups:
        raise RenderingError("a reminder needs at least one item")
    return sorted((merged(g) for g in groups.values()), key=lambda v: v.sort_key)
