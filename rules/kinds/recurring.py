"""Kind ``recurring``: due a period after the last time it was done (docs/profiles.md).

Examples: register renewal every 12 months (000 §7), pathway plan review every 6 months (000 §7,
002 §7.2), pathway plan part 2 shared every 6 months (000 §7). The due date is ``last_done + every``
when ``last_done`` is on or after ``since``, otherwise ``since + first_due_after`` (``every`` unless
given). A recurring obligation is never ``met``: each completion only moves the next due date.
"""

from __future__ import annotations

from datetime import date

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, CaseRuleKind
from rules.obligation import Obligation
from rules.periods import Anchor, DateColumn, Parameters, Period, anchor_date
from rules.records import CaseRecord, NotApplicable


class RecurringParameters(Parameters):
    since: Anchor
    last_done: DateColumn
    every: Period
    first_due_after: Period | None = None


def columns(p: RecurringParameters) -> frozenset[str]:
    since = {"looked_after_since", "date_of_birth"} if p.since == "A" else {p.since}
    return frozenset(since | {p.last_done})


def needs(p: RecurringParameters) -> str:
    """No start date, no due date: A needs ``looked_after_since``, a column its own value."""
    return "looked_after_since" if p.since == "A" else p.since


def evidence(p: RecurringParameters) -> tuple[str, ...]:
    return (p.last_done,)


def assess(
    case: CaseRecord, ob: Obligation[RecurringParameters], as_of: date, calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    p = ob.parameters
    since = anchor_date(case, p.since)
    if since is None:
        return NotApplicable(f"{p.since} is not known")
    last: date | None = getattr(case, p.last_done)
    if last is not None and last >= since:
        base, due = last, p.every.after(last, calendar)
    else:
        base, due = since, (p.first_due_after or p.every).after(since, calendar)
    return ob.finding(case.case_ref, due, None, as_of, calendar, base)


KIND = CaseRuleKind(
    name="recurring",
    parameters=RecurringParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="due a period after it was last done (or after a start date); never met",
    needs=needs,
)
