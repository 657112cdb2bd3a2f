"""The source safety guard: a tick whose source looks broken changes nothing and sends nothing.

A case-management extract that comes back empty or half-written would make every missing case look
"gone from the source": its obligations would close and their reminders be cancelled. So before the
first case is evaluated, the number of case rows is held against the last good tick's: no rows at all,
or fewer by more than ``max_drop_percent`` (20% by default), aborts the tick. Its transaction rolls
back, so nothing in the state changes; the operator is told why; nothing else is sent. When the drop
is real (a service merged, a cohort moved out), the operator accepts it once: ``checker run --once
--accept-drop``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from checker.state.runs import last_good_run


class TickAbortedError(Exception):
    """The tick was stopped before it changed anything (by this guard, before the first case)."""


def source_guard(max_drop_percent: float) -> Callable[[Connection, int], None]:
    """The check ``Tick.guard`` runs with the number of case rows, before any case is evaluated."""

    def guard(connection: Connection, rows: int) -> None:
        last = last_good_run(connection, ("tick", "digest"))
        if rows == 0:
            raise TickAbortedError("the source returned no cases at all; nothing was changed or sent. Check the "
                                   "extract or query, or the case-management system")
        if last is None or not last.cases_read:
            return
        drop = 100.0 * (last.cases_read - rows) / last.cases_read
        if drop > max_drop_percent:
            raise TickAbortedError(
                f"the source returned {rows} cases, {drop:.0f}% fewer than the {last.cases_read} of the last good "
                f"tick (as of {last.as_of}); more than the {max_drop_percent:g}% allowed, so nothing was changed "
                "or sent. If the source is complete and the drop is real, run `checker run --once --accept-drop` "
                "once")

    return guard
