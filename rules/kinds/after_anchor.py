"""Kind ``after_anchor``: due a period after an anchor date (docs/profiles.md).

Examples: the housing register within 3 months of A (000 §7), the housing panel (000 §4), the Duty
to Refer within 1 working day (000 §15), host-area registration (000 §8), information-sharing
consent at registration (000 §7, 002 §3.5). Completed when ``completed_by`` is set and, where
``completed_not_before`` names a column, not before that column's date.
"""

from __future__ import annotations

from datetime import date

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, CaseRuleKind
from rules.obligation import Obligation, completion_date
from rules.periods import Anchor, DateColumn, Parameters, Period, anchor_date
from rules.records import CaseRecord, NotApplicable


class AfterAnchorParameters(Parameters):
    anchor: Anchor
    period: Period
    completed_by: DateColumn
    completed_not_before: DateColumn | None = None


def columns(p: AfterAnchorParameters) -> frozenset[str]:
    anchor = {"looked_after_since", "date_of_birth"} if p.anchor == "A" else {p.anchor}
    return frozenset(anchor | set(evidence(p)))


def needs(p: AfterAnchorParameters) -> str:
    """No anchor, no due date: A needs ``looked_after_since``, a column anchor its own value."""
    return "looked_after_since" if p.anchor == "A" else p.anchor


def evidence(p: AfterAnchorParameters) -> tuple[str, ...]:
    return (p.completed_by,) + ((p.completed_not_before,) if p.completed_not_before else ())


def assess(
    case: CaseRecord, ob: Obligation[AfterAnchorParameters], as_of: date, calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    p = ob.parameters
    start = anchor_date(case, p.anchor)
    if start is None:
        return NotApplicable(f"{p.anchor} is not known")
    due = p.period.after(start, calendar)
    done = completion_date(case, p.completed_by, p.completed_not_before)
    return ob.finding(case.case_ref, due, done, as_of, calendar, start)


KIND = CaseRuleKind(
    name="after_anchor",
    parameters=AfterAnchorParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="due a period (months, days or working days) after an anchor date",
    needs=needs,
)
