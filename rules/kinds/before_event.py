"""Kind ``before_event``: due a period before an expected event (docs/profiles.md).

Examples: invite partners to the review 3 months before release (000 §14), contact housing 3 months
before leaving the placement (002 §8.1), plan a move 28 days ahead (001 §2.2). Reported while the
event date is set and not yet passed (``as_of <= event``); the due date may already be past when the
event is first recorded, and then the instance is overdue at once (docs/input.md).
"""

from __future__ import annotations

from datetime import date

from pydantic import model_validator

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, CaseRuleKind
from rules.obligation import Obligation, completion_date
from rules.periods import DateColumn, Parameters, Period
from rules.records import CaseRecord, NotApplicable


class BeforeEventParameters(Parameters):
    event: DateColumn
    period: Period
    completed_by: DateColumn
    completed_not_before: DateColumn | None = None

    @model_validator(mode="after")
    def _calendar_period(self) -> BeforeEventParameters:
        if self.period.working_days:
            raise ValueError("before_event counts back in months or days, not working days")
        return self


def columns(p: BeforeEventParameters) -> frozenset[str]:
    return frozenset({p.event, *evidence(p)})


def needs(p: BeforeEventParameters) -> str:
    return p.event


def evidence(p: BeforeEventParameters) -> tuple[str, ...]:
    return (p.completed_by,) + ((p.completed_not_before,) if p.completed_not_before else ())


def assess(
    case: CaseRecord, ob: Obligation[BeforeEventParameters], as_of: date, calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    p = ob.parameters
    event: date | None = getattr(case, p.event)
    if event is None:
        return NotApplicable(f"{p.event} is empty")
    if as_of > event:
        return NotApplicable(f"{p.event} ({event}) has passed")
    due = p.period.before(event)
    done = completion_date(case, p.completed_by, p.completed_not_before)
    return ob.finding(case.case_ref, due, done, as_of, calendar, event)


KIND = CaseRuleKind(
    name="before_event",
    parameters=BeforeEventParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="due a period (months or days) before an expected event, while the event is still to come",
    needs=needs,
)
