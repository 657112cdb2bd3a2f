"""Kind ``approval_gate``: an event needs an approval recorded no later than the event (+ a grace).

Examples: bed and breakfast only with Head of Service approval (000 §15) or Director agreement
(003 §5.5); intentional homelessness decisions signed off by both services (001 §2.10). The due date
is the event date itself, or ``grace_working_days`` working days after it. Unlike other kinds, a late
approval never completes the instance (docs/profiles.md): it is ``met`` only when the
approval is dated on or before the due date, and otherwise ``pending`` then ``overdue`` for as long as
the event column is set.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, CaseRuleKind
from rules.obligation import Obligation
from rules.periods import DateColumn, Parameters
from rules.records import CaseRecord, NotApplicable


class ApprovalGateParameters(Parameters):
    event: DateColumn
    approval: DateColumn
    grace_working_days: int = Field(default=0, ge=0)


def columns(p: ApprovalGateParameters) -> frozenset[str]:
    return frozenset({p.event, p.approval})


def needs(p: ApprovalGateParameters) -> str:
    return p.event


def evidence(p: ApprovalGateParameters) -> tuple[str, ...]:
    return (p.approval,)


def assess(
    case: CaseRecord, ob: Obligation[ApprovalGateParameters], as_of: date, calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    p = ob.parameters
    event: date | None = getattr(case, p.event)
    if event is None:
        return NotApplicable(f"{p.event} is empty")
    due = calendar.working_days_after(event, p.grace_working_days)
    approved: date | None = getattr(case, p.approval)
    on_time = approved if approved is not None and approved <= due else None
    return ob.finding(case.case_ref, due, on_time, as_of, calendar, event)


KIND = CaseRuleKind(
    name="approval_gate",
    parameters=ApprovalGateParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="an event needs an approval dated no later than the event (plus a grace in working days)",
    needs=needs,
)
