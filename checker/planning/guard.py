"""The source safety guard: a tick whose source looks broken changes nothing and sends nothing.

A case-management extract that comes back empty, half-written or reshaped would make every missing
case look "gone from the source", or every missing column look like work not done: obligations would
close and their reminders be cancelled, or false escalations go out. The guard holds a tick against
the last good tick (the newest ``tick`` or ``digest`` run that finished ``ok``) twice:

- **Columns**, before the first case is read: a canonical column of the cases or disputes that the
  last good tick had and this source lacks (a renamed or dropped export field) aborts the tick.
- **Cases**, after the last case is evaluated and before the tick's transaction commits: the cases
  that were *evaluated* in this tick (rows rejected for bad data, and rows without a ``case_ref``, are
  not cases present) are counted from the same read that was evaluated, and none at all, or fewer
  than the last good tick's by more than ``max_drop_percent`` (20% by default), aborts the tick.

An aborted tick rolls back, so nothing in the state changes; the operator is told why; nothing else is
sent, and ``run --once`` exits 1. When the change is real (a service merged, a column retired), the
operator accepts it once: ``checker run --once --accept-drop``; that tick becomes the new baseline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from checker.state.runs import last_good_run

ACCEPT = "If the source is complete and the change is real, run `checker run --once --accept-drop` once"


class TickAbortedError(Exception):
    """The tick was stopped before it changed anything (by this guard)."""


def columns_text(columns: Mapping[str, frozenset[str]]) -> str:
    """The column sets as the ``run`` row keeps them (JSON: table -> sorted names)."""
    return json.dumps({table: sorted(names) for table, names in sorted(columns.items())})


def _columns_of(text: str | None) -> dict[str, frozenset[str]]:
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): frozenset(str(n) for n in v) for k, v in loaded.items() if isinstance(v, list)}


@dataclass(frozen=True, slots=True)
class SourceGuard:
    max_drop_percent: float = 20.0

    def columns(self, connection: Connection, columns: Mapping[str, frozenset[str]]) -> None:
        """Abort when a column of the last good tick is missing now (before any case is read)."""
        last = last_good_run(connection, ("tick", "digest"))
        if last is None:
            return
        before = _columns_of(last.columns)
        lost = [f"{table}.{name}" for table, names in sorted(before.items())
                for name in sorted(names - columns.get(table, frozenset()))]
        if lost:
            raise TickAbortedError(
                f"the source has no {', '.join(lost)} column{'s' if len(lost) > 1 else ''}, which the last good "
                f"tick (as of {last.as_of}) had: every row would read as empty there, so nothing was changed or "
                f"sent. Check the export or query for a renamed or dropped column. {ACCEPT}")

    def cases(self, connection: Connection, evaluated: int, read: int) -> None:
        """Abort when far fewer cases were evaluated than in the last good tick (after evaluation)."""
        if evaluated == 0:
            raise TickAbortedError(
                f"no case could be evaluated ({read} rows read, every one rejected or empty); nothing was "
                "changed or sent. Check the extract or query, or the case-management system")
        last = last_good_run(connection, ("tick", "digest"))
        if last is None:
            return
        before = last.cases_read - last.cases_rejected
        if before <= 0:
            return
        drop = 100.0 * (before - evaluated) / before
        if drop > self.max_drop_percent:
            raise TickAbortedError(
                f"{evaluated} cases were evaluated ({read} rows read), {drop:.0f}% fewer than the {before} of the "
                f"last good tick (as of {last.as_of}); more than the {self.max_drop_percent:g}% allowed, so "
                f"nothing was changed or sent. {ACCEPT}")
