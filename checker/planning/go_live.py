"""Go-live without a flood: when a tick tells each recipient one summary instead of a message per item.

On the first tick on an empty state database every open obligation is news, and so it is after an outage
(the last good tick more than ``outage_working_days`` working days before this one, 3 by default): a real
caseload would send hundreds of messages at once. Such a tick plans its items as usual (so they count as
told, and later ticks send only what changes) but groups each recipient's email items into ONE ``summary``
message (counts by obligation and age, the most urgent items, the rest in an attached CSV), tells the Teams
channels and activity feeds nothing (the email summary carries it), and plans no weekly digest (the
summary is that week's news). Operator alerts go as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from checker.state.runs import last_good_run
from rules.calendar import WorkingCalendar


@dataclass(frozen=True, slots=True)
class GoLive:
    outage_working_days: int = 3

    def reason(self, connection: Connection, as_of: date, calendar: WorkingCalendar) -> str | None:
        """Why this tick is a go-live ("first tick", "after an outage"), or ``None`` for an ordinary tick."""
        last = last_good_run(connection, ("tick", "digest"))
        if last is None:
            return "the first check on this state database"
        gap = calendar.working_days_between(last.as_of, as_of)
        if gap > self.outage_working_days:
            return f"the first check for {gap} working days"
        return None
