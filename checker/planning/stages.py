"""Which reminder an open obligation is at on a day (issue: lead times, due day, overdue repeats).

- ``lead-L``: due within L working days (the smallest lead time L that is at least the working
  days to go), for the profile's lead times (default 20 and 5);
- ``due``: no working day is left before the due date (the due day itself, or the last working day
  before a due date that falls on a weekend or holiday);
- ``overdue-k``: overdue, k = (working days overdue - 1) // N, so the first reminder goes on becoming
  overdue and another every N working days while it stays overdue (default N = 5).

- ``escalated-<role>``: overdue by at least the role's escalation threshold T (docs/profiles.md);
  told again every R working days while it stays overdue and that role is the one escalated to
  (R per role: the profile's ``[escalation_repeats]``, 0 for once): ``escalated-<role>-repeat-k`` with
  k = (working days overdue - T) // R, from 1.

Each (instance, due date, stage) is told once: a stage reached again on a later tick plans nothing, so
each repeat is told exactly once however often the ticks run (the repeat number is in the key).
"""

from __future__ import annotations

from datetime import date

from checker.facts import Stage
from rules.calendar import WorkingCalendar
from rules.escalation import EscalationThresholds
from rules.records import Role


def reminder_stage(due: date, as_of: date, leads: tuple[int, ...], every: int,
                   calendar: WorkingCalendar) -> Stage | None:
    """The stage for an open (pending or overdue) obligation, or ``None`` when nothing is due yet."""
    if as_of > due:
        late = calendar.working_days_between(due, as_of)
        return Stage.overdue(max(0, late - 1) // every)
    to_go = calendar.working_days_between(as_of, due)
    if to_go == 0:
        return Stage.due()
    reached = [lead for lead in leads if to_go <= lead]
    return Stage.lead(min(reached)) if reached else None


def working_days_to_go(due: date, as_of: date, calendar: WorkingCalendar) -> int:
    return calendar.working_days_between(as_of, due)


def escalation_stage(role: Role, working_days_overdue: int, thresholds: EscalationThresholds, every: int) -> Stage:
    """The stage of the escalation to ``role``: the first telling, or its repeat number k."""
    threshold = int(getattr(thresholds, role.value))
    repeat = (working_days_overdue - threshold) // every if every > 0 else 0
    return Stage.escalated(role, repeat if repeat > 0 else None)
