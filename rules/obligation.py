"""An obligation instance: one entry of a protocol profile, with its kind's validated parameters.

The engine hands an ``Obligation`` to its kind's ``assess`` function together with the record, the
as-of date and the working calendar; ``finding`` turns a due date and a completion date into the
status, working days overdue and escalation that every kind reports the same way
(docs/input.md "Due date", docs/profiles.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from rules.calendar import WorkingCalendar
from rules.conditions import Condition
from rules.escalation import EscalationThresholds
from rules.periods import Parameters
from rules.records import CaseRecord, Finding, NotApplicable, Role, Status

P = TypeVar("P", bound=Parameters)

NOT_EXPLAINED = NotApplicable("does not apply (the reason was not asked for)")
"""What ``assess(..., explain=False)`` answers when the conditions fail: one object, no words built."""


@dataclass(frozen=True, slots=True)
class Obligation(Generic[P]):
    """One obligation of a profile (docs/profiles.md).

    ``evidence_columns`` are the columns that complete it, shown by ``checker explain``.
    """

    id: str
    kind: str
    title: str
    citation: str
    owner: Role
    parameters: P
    applies_when: tuple[Condition, ...]
    reminder_lead_working_days: tuple[int, ...]
    escalation: EscalationThresholds
    evidence_columns: tuple[str, ...]
    columns: frozenset[str]

    def not_applicable(self, case: CaseRecord, as_of: date, explain: bool = True) -> NotApplicable | None:
        """Why the profile's "applies when" conditions fail for this case, or ``None`` if they hold.

        ``explain=False`` (the engine's inner loop, which keeps findings only) answers ``NOT_EXPLAINED``
        instead of putting the reason into words.
        """
        for condition in self.applies_when:
            if not condition.holds(case, as_of):
                return NotApplicable(condition.why_not(case, as_of)) if explain else NOT_EXPLAINED
        return None

    def finding(
        self,
        case_ref: str,
        due_date: date,
        completed_on: date | None,
        as_of: date,
        calendar: WorkingCalendar,
        anchor: date | None,
    ) -> Finding:
        """The finding for a due date and completion: met, pending (``as_of <= due``) or overdue."""
        status, late = standing(due_date, completed_on, as_of, calendar)
        escalated = self.escalation.escalated_to(self.owner, late) if status is Status.OVERDUE else None
        return Finding(case_ref, self.id, None, status, due_date, completed_on, self.owner, escalated,
                       self.citation, late, anchor, self.evidence_columns)


def standing(due_date: date, completed_on: date | None, as_of: date, calendar: WorkingCalendar) -> tuple[Status, int]:
    """Met once completed, else pending while ``as_of <= due_date``, else overdue; and working days overdue."""
    if completed_on is not None:
        return Status.MET, 0
    if as_of <= due_date:
        return Status.PENDING, 0
    return Status.OVERDUE, calendar.working_days_between(due_date, as_of)


def completion_date(case: CaseRecord, column: str, not_before: str | None) -> date | None:
    """The completing column's date, unless it falls before the ``not_before`` column's date."""
    done: date | None = getattr(case, column)
    if done is None or not_before is None:
        return done
    floor: date | None = getattr(case, not_before)
    return None if floor is not None and done < floor else done
