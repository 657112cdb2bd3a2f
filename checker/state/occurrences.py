"""Due occurrences: each due date an obligation instance has had, and how it ended (the board's history).

``obligation_instance`` keeps one row per (case, obligation, ref) with its *current* due date; a
recurring obligation (a pathway plan review every 6 months) moves to its next due date when done, and
a dispute moves to the deadline of its next stage, so the instance alone forgets what was due before.
This table keeps one row per (instance, due date), written by each tick from its findings:

- new due date: a row in state ``open`` (or ``met`` when the finding is already met);
- met: ``met_on`` from the finding's completion date, and ``working_days_late`` (0 when on time);
- the due date moved: the old row ends. For a recurring obligation whose anchor (the date it was last
  done) moved, it was met on the new anchor; otherwise it was ``superseded`` (re-baselined: a corrected
  release date, a dispute's next stage) and counts no more;
- the instance closed (the person left the service, the dispute row went away): ``closed``.

While overdue a row remembers the highest role it was escalated to, and for a dispute its highest stage
and, once resolved, the working days from its first known stage start to resolution. A row is written
only when something about it changed, so a tick over an unchanged caseload writes nothing here: only the
findings whose instance changed (``Tracked.changed``, checker/state/instances.py) are looked at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from checker.state.bulk import insert_rows
from checker.state.instances import NO_REF, Tracked
from checker.state.schema import due_occurrence
from rules.calendar import WorkingCalendar
from rules.records import Role, Status

_IN_CHUNK = 500
_RANK = {role.value: n for n, role in enumerate(Role)}
_FIELDS = ("state", "met_on", "working_days_late", "escalated_to", "dispute_stage", "working_days_to_resolve",
           "ended_on", "team", "adviser_email", "owner", "anchor")


def _higher(old: str | None, new: str | None) -> str | None:
    if old is None or new is None:
        return old or new
    return new if _RANK.get(new, 0) > _RANK.get(old, 0) else old


class OccurrenceLog:
    """Applies one tick's tracked findings to ``due_occurrence`` (same connection, same transaction)."""

    def __init__(self, connection: Connection, as_of: date, calendar: WorkingCalendar,
                 recurring: frozenset[str]) -> None:
        self.connection = connection
        self.as_of = as_of
        self.calendar = calendar
        self.recurring = recurring

    def _late(self, due: date, met: date) -> int:
        return self.calendar.working_days_between(due, met)

    def record(self, tracked: Sequence[Tracked]) -> None:
        """Bring the due occurrences of the CHANGED findings up to date; an unchanged one has nothing to write
        (its instance's fingerprint covers every value used here) and a new instance has no history to read."""
        tracked = [t for t in tracked if t.changed]
        known: dict[int, list[Any]] = defaultdict(list)
        ids = [t.instance_id for t in tracked if not t.new]
        for start in range(0, len(ids), _IN_CHUNK):
            rows = self.connection.execute(select(due_occurrence).where(
                due_occurrence.c.instance_id.in_(ids[start:start + _IN_CHUNK])))
            for found in rows:
                known[found.instance_id].append(found)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for t in tracked:
            history = known.get(t.instance_id, [])
            current = next((r for r in history if r.due_date == t.finding.due_date), None)
            for row in history:
                if row is not current and row.state == "open":
                    updates.append(self._ended(row, t))
            values = self._values(t, current, history)
            if current is None:
                inserts.append(values)
            elif any(values[name] != getattr(current, name) for name in _FIELDS):
                updates.append({**{name: values[name] for name in _FIELDS}, "_id": current.id,
                                "updated_on": self.as_of})
        if inserts:  # every one made by _values with no current row: the same keys in the same order
            insert_rows(self.connection, due_occurrence, tuple(inserts[0]), [tuple(v.values()) for v in inserts])
        if updates:
            columns: dict[str, Any] = {name: bindparam(name) for name in (*_FIELDS, "updated_on")}
            for change in updates:  # executemany needs the same keys in each row
                for name in _FIELDS:
                    change.setdefault(name, None)
            self.connection.execute(update(due_occurrence).where(due_occurrence.c.id == bindparam("_id"))
                                    .values(columns), updates)

    def _ended(self, row: Any, t: Tracked) -> dict[str, Any]:
        """An open row whose instance now has another due date: met (recurring, done again) or superseded."""
        f = t.finding
        done = (f.obligation in self.recurring and f.anchor is not None and f.anchor != row.anchor
                and (row.anchor is None or f.anchor > row.anchor))
        values = {name: getattr(row, name) for name in _FIELDS}
        values.update(_id=row.id, updated_on=self.as_of, ended_on=self.as_of)
        if done and f.anchor is not None:
            values.update(state="met", met_on=f.anchor, working_days_late=self._late(row.due_date, f.anchor))
        else:
            values.update(state="superseded")
        return values

    def _values(self, t: Tracked, current: Any, rows: list[Any]) -> dict[str, Any]:
        f, case = t.finding, t.case
        met = f.status is Status.MET and f.completed_on is not None
        state = "met" if met else "open"
        escalated = f.escalated_to.value if f.escalated_to and f.status is Status.OVERDUE else None
        values: dict[str, Any] = {
            "state": state,
            "met_on": f.completed_on if met else None,
            "working_days_late": self._late(f.due_date, f.completed_on) if met and f.completed_on else None,
            "escalated_to": _higher(current.escalated_to if current is not None else None, escalated),
            "dispute_stage": max(filter(None, (f.stage, current.dispute_stage if current is not None else None)),
                                 default=None),
            "working_days_to_resolve": None,
            "ended_on": self.as_of if met else None,
            "team": case.team, "adviser_email": case.adviser_email, "owner": f.owner.value, "anchor": f.anchor,
        }
        if current is not None and current.state == "met" and met:
            values["ended_on"] = current.ended_on  # it was met on an earlier tick: keep when that was seen
        if met and f.stage is not None and f.completed_on is not None:
            starts = [r.anchor for r in rows if r.anchor is not None] + ([f.anchor] if f.anchor else [])
            if starts:
                values["working_days_to_resolve"] = self.calendar.working_days_between(min(starts), f.completed_on)
        if current is None:
            values.update(instance_id=t.instance_id, case_ref=f.case_ref, obligation=f.obligation,
                          ref=f.ref or NO_REF, due_date=f.due_date, first_seen_on=self.as_of, updated_on=self.as_of)
        return values


def close_ended_instances(connection: Connection, as_of: date, ids: Sequence[int]) -> None:
    """The open rows of the instances closed this tick (``ids``) end as ``closed``."""
    for start in range(0, len(ids), _IN_CHUNK):
        connection.execute(update(due_occurrence)
                           .where(due_occurrence.c.state == "open",
                                  due_occurrence.c.instance_id.in_(ids[start:start + _IN_CHUNK]))
                           .values(state="closed", ended_on=as_of, updated_on=as_of))
