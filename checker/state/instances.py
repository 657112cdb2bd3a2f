"""Keeping obligation instances and their history in step with each tick's findings.

Each finding is matched to its instance row by (case_ref, obligation, ref). A new one is inserted
(event ``first_seen``); a known one is updated, with an event for each change that matters: the due
date moved (``due_date_changed``: its unsent reminders are cancelled and a change note is kept for
the next message, so the adviser is told what changed), the status changed (``status_changed``;
completion cancels unsent reminders), or it is reported again after a gap (``reopened``). An
instance of a valid case that is no longer reported (the person turned 25, custody ended, the
dispute row went away) is closed (``closed``) and its unsent reminders cancelled. Instances of a
case rejected for bad data this tick are kept as they were: bad data must not silence a deadline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from checker.engine import CaseResult
from checker.state.notifications import cancel_unsent
from checker.state.schema import instance_event, obligation_instance
from rules.records import CaseRecord, Finding, Status

NO_REF = ""
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Tracked:
    """A finding whose instance row is now up to date: what the planner works from."""

    instance_id: int
    case: CaseRecord
    finding: Finding
    change_note: str | None


def initials(case: CaseRecord) -> str:
    """"S.K." from the names, or "" when none are recorded: the most a channel or digest shows."""
    names = (case.given_name, case.family_name)
    return "".join(f"{name.strip()[0].upper()}." for name in names if name and name.strip())


def _date(value: Any) -> str:
    return f"{value:%d %b %Y}"


class InstanceSync:
    """Applies one tick's findings to the instance table, batch by batch, on one connection."""

    def __init__(self, connection: Connection, run_id: int, now: datetime) -> None:
        self.connection = connection
        self.run_id = run_id
        self.now = now
        self.closed = 0

    def _values(self, case: CaseRecord, f: Finding) -> dict[str, Any]:
        return {
            "status": f.status.value,
            "due_date": f.due_date,
            "completed_on": f.completed_on,
            "owner": f.owner.value,
            "escalated_to": f.escalated_to.value if f.escalated_to else None,
            "stage": f.stage,
            "working_days_overdue": f.working_days_overdue,
            "adviser_email": case.adviser_email,
            "manager_email": case.manager_email,
            "team": case.team,
            "initials": initials(case),
            "last_seen_run": self.run_id,
            "updated_at": self.now,
        }

    def _event(self, instance_id: int, event: str, old: object = None, new: object = None) -> dict[str, Any]:
        return {"instance_id": instance_id, "run_id": self.run_id, "at": self.now, "event": event,
                "old_value": None if old is None else str(old), "new_value": None if new is None else str(new)}

    def apply(self, batch: Sequence[CaseResult]) -> list[Tracked]:
        """Update the instances of a batch of valid cases; return the tracked findings."""
        connection = self.connection
        existing: dict[str, list[Any]] = defaultdict(list)
        refs = [r.case.case_ref for r in batch]
        for start in range(0, len(refs), _IN_CHUNK):
            chunk = refs[start:start + _IN_CHUNK]
            query = select(obligation_instance).where(obligation_instance.c.case_ref.in_(chunk))
            for row in connection.execute(query):
                existing[row.case_ref].append(row)
        tracked: list[Tracked] = []
        new_rows: list[dict[str, Any]] = []
        new_findings: dict[tuple[str, str, str], tuple[CaseRecord, Finding]] = {}
        updates: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        closing: list[int] = []
        kept: list[int] = []
        for result in batch:
            case = result.case
            known: dict[tuple[str, str], Any] = {(r.obligation, r.ref): r for r in existing.get(case.case_ref, ())}
            for f in result.findings:
                values = self._values(case, f)
                row = known.pop((f.obligation, f.ref or NO_REF), None)
                if row is None:
                    key = (case.case_ref, f.obligation, f.ref or NO_REF)
                    new_rows.append({**values, "case_ref": key[0], "obligation": key[1], "ref": key[2],
                                     "first_seen_at": self.now, "closed_at": None, "change_note": None})
                    new_findings[key] = (case, f)
                    continue
                note = self._changes(row, f, events)
                updates.append({**values, "_id": row.id, "closed_at": None, "change_note": note})
                tracked.append(Tracked(row.id, case, f, note))
            unreported = [row.id for row in known.values() if row.closed_at is None]
            # Bad data must not silence a deadline: what a flagged case did not report stays open as it was.
            (kept if result.flagged else closing).extend(unreported)
        if new_rows:
            inserted = connection.execute(
                insert(obligation_instance).returning(obligation_instance.c.id, obligation_instance.c.case_ref,
                                                      obligation_instance.c.obligation, obligation_instance.c.ref),
                new_rows,
            )
            for row in inserted:
                case, f = new_findings[(row.case_ref, row.obligation, row.ref)]
                events.append(self._event(row.id, "first_seen", None, f.due_date))
                tracked.append(Tracked(row.id, case, f, None))
        if updates:
            columns: dict[str, Any] = {name: bindparam(name) for name in updates[0] if name != "_id"}
            connection.execute(
                update(obligation_instance).where(obligation_instance.c.id == bindparam("_id")).values(columns),
                updates,
            )
        self._close(closing, events)
        self._touch(kept)
        if events:
            connection.execute(insert(instance_event), events)
        return tracked

    def _touch(self, ids: Sequence[int]) -> None:
        """Seen this tick, nothing else changed (so ``close_unseen`` leaves them open)."""
        for start in range(0, len(ids), _IN_CHUNK):
            self.connection.execute(update(obligation_instance)
                                    .where(obligation_instance.c.id.in_(list(ids[start:start + _IN_CHUNK])))
                                    .values(last_seen_run=self.run_id))

    def _changes(self, row: Any, f: Finding, events: list[dict[str, Any]]) -> str | None:
        """Record what changed for a known instance and cancel what it made stale; return its change note."""
        note: str | None = row.change_note
        if row.closed_at is not None:
            events.append(self._event(row.id, "reopened"))
        if row.due_date != f.due_date:
            note = f"The due date moved from {_date(row.due_date)} to {_date(f.due_date)}."
            events.append(self._event(row.id, "due_date_changed", row.due_date, f.due_date))
            cancel_unsent(self.connection, row.id, f"due date moved to {f.due_date}", keep_due=f.due_date)
        if row.status != f.status.value:
            events.append(self._event(row.id, "status_changed", row.status, f.status.value))
            if f.status is Status.MET:
                cancel_unsent(self.connection, row.id, "completed")
        return note

    def _close(self, ids: Sequence[int], events: list[dict[str, Any]]) -> None:
        if not ids:
            return
        connection = self.connection
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = list(ids[start:start + _IN_CHUNK])
            connection.execute(update(obligation_instance).where(obligation_instance.c.id.in_(chunk))
                               .values(closed_at=self.now, updated_at=self.now, last_seen_run=self.run_id))
        for instance_id in ids:
            events.append(self._event(instance_id, "closed"))
            cancel_unsent(connection, instance_id, "no longer applies")
        self.closed += len(ids)

    def keep(self, case_refs: Iterable[str]) -> None:
        """Cases with bad data this tick: their instances stay as they were, not closed."""
        refs = list(case_refs)
        for start in range(0, len(refs), _IN_CHUNK):
            self.connection.execute(
                update(obligation_instance)
                .where(obligation_instance.c.case_ref.in_(refs[start:start + _IN_CHUNK]))
                .values(last_seen_run=self.run_id)
            )

    def close_unseen(self) -> int:
        """Close the open instances of cases that were not in the source at all this tick."""
        ids = [row.id for row in self.connection.execute(
            select(obligation_instance.c.id).where(obligation_instance.c.last_seen_run != self.run_id,
                                                   obligation_instance.c.closed_at.is_(None)))]
        events: list[dict[str, Any]] = []
        self._close(ids, events)
        if events:
            self.connection.execute(insert(instance_event), events)
        return len(ids)
