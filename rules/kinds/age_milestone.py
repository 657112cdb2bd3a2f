"""Kind ``age_milestone``: due when the person reaches an age, while in care at an age.

Examples (docs/profiles.md): PA allocated by 15y 9m (003 §6.1), Joint Housing Assessment
at 17 (003 §6.1, §8.3), housing options meeting at 17y 6m or at 17 when placed out of area (000 §5,
§10), 17+ panel at 17y 6m (004 §6.2). Ages with months follow extended §3.1 (29 Feb → 1 Mar, then
months added with month-end clamping); a grace period is added after that.
"""

from __future__ import annotations

from datetime import date

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, CaseRuleKind
from rules.obligation import Obligation
from rules.periods import Age, BoolColumn, DateColumn, Parameters, Period
from rules.records import CaseRecord, NotApplicable


class AgeWhen(Parameters):
    """A different due age for cases where a boolean column is true."""

    column: BoolColumn
    age: Age


class AgeMilestoneParameters(Parameters):
    due_at: Age
    in_care_at: Age | None = None
    due_at_when: AgeWhen | None = None
    grace: Period = Period()
    completed_by: DateColumn


def columns(p: AgeMilestoneParameters) -> frozenset[str]:
    cols = {"date_of_birth", "looked_after_since", "ceased_looked_after_on", p.completed_by}
    if p.due_at_when is not None:
        cols.add(p.due_at_when.column)
    return frozenset(cols)


def needs(p: AgeMilestoneParameters) -> str:
    """Never looked after: never in care at any age."""
    return "looked_after_since"


def evidence(p: AgeMilestoneParameters) -> tuple[str, ...]:
    return (p.completed_by,)


def assess(
    case: CaseRecord, ob: Obligation[AgeMilestoneParameters], as_of: date, calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    p = ob.parameters
    care_age = p.in_care_at or p.due_at
    care_day = care_age.reached_on(case.date_of_birth)
    if not case.in_care_on(care_day):
        return NotApplicable(f"not in care at {care_age.describe()} ({care_day})")
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    age = p.due_at_when.age if p.due_at_when and getattr(case, p.due_at_when.column) else p.due_at
    reached = age.reached_on(case.date_of_birth)
    due = p.grace.after(reached, calendar)
    return ob.finding(case.case_ref, due, getattr(case, p.completed_by), as_of, calendar, reached)


KIND = CaseRuleKind(
    name="age_milestone",
    parameters=AgeMilestoneParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="due when the person reaches an age (plus a grace), while in care at an age",
    needs=needs,
)
