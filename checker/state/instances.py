"""Keeping obligation instances and their history in step with each tick's findings.

Each finding is matched to its instance row by (case_ref, obligation, ref). A new one is inserted
(event ``first_seen``); a known one is updated, with an event for each change that matters: the due
date moved (``due_date_changed``: its unsent reminders are cancelled and a change note is kept for
the next message, so the adviser is told what changed), the status changed (``status_changed``;
completion cancels unsent reminders), or it is reported again after a gap (``reopened``). An
instance of a valid case that is no longer reported (the person turned 25, custody ended, the
dispute row went away) is closed (``closed``) and its unsent reminders cancelled; so is every open
instance of a case no longer in the source. Instances of a case rejected for bad data this tick, and
those a case flagged for bad data did not report, are kept as they were: bad data must not silence a
deadline. A finding whose instance already holds what it says writes nothing: a tick over an
unchanged caseload writes no instance row and no event.

How a tick finds what changed: the findings are compared with the stored instances as two keyed sets.
When the tick starts, one streamed query reads the OPEN instances into a dictionary keyed by
(case_ref, obligation, ref) that holds only the row's id and its ``fingerprint``, a 64-bit hash of
every value the tick derives from the finding and its case (``fingerprint`` below): a few hundred
bytes an instance (tens of MB at 164k instances), never a case record, and bounded by the open
caseload rather than by years of closed history. Each finding then costs one dictionary look-up: the
same fingerprint, nothing to write; another one, the row is read by id and updated; no open instance,
the batch's cases' closed instances are read (only when the table holds any) to tell a reopened
instance from a new one. Whatever is left in the dictionary after the last batch was not reported this
tick and is closed, unless its case was rejected or flagged. The writes go in batches (executemany).

Why not a temporary table and a join: the findings arrive as a stream from the evaluation, and copying
each of them into a temporary table would itself be the 164k-row write per tick this avoids; the join
would then need the findings' values again to write what changed. Why the fingerprint is stored rather
than recomputed from the row: it also covers what the row does not keep (the anchor, which the board's
due occurrences use), so an unchanged fingerprint means neither the instance nor its due occurrence has
anything to write, and the stream reads five columns, not sixteen. A row without one (written before
the column existed, or by hand) counts as changed once and is rewritten with it.

``last_seen_run`` and ``updated_at`` are the run and the time that last CHANGED the row: a tick that
finds it as it was leaves them alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import blake2b
from typing import Any

from sqlalchemy import Connection, bindparam, exists, select, update

from checker.engine import CaseResult
from checker.state.bulk import insert_rows
from checker.state.notifications import Cancel, cancel_unsent_each
from checker.state.schema import instance_event, obligation_instance
from rules.records import CaseRecord, Finding, Role, Status

NO_REF = ""
_IN_CHUNK = 500
_STREAM = 5000  # rows a fetch of the opening stream brings (a server-side cursor on PostgreSQL)
_FINGERPRINT_VERSION = 1  # change it when what the fingerprint covers changes: every row is rewritten once
_NONE = "\x00"
_SEPARATOR = "\x1f"

Key = tuple[str, str, str]  # (case_ref, obligation, ref)
Seen = tuple[CaseRecord, Finding, int, str]  # a finding, its case, its fingerprint and the case's initials
_i = obligation_instance.c
_KEY_COLUMNS = ("id", "case_ref", "obligation", "ref")
_INSERT_COLUMNS = ("case_ref", "obligation", "ref", "status", "due_date", "completed_on", "owner", "escalated_to",
                   "stage", "working_days_overdue", "adviser_email", "manager_email", "team", "initials", "fingerprint",
                   "last_seen_run", "first_seen_at", "updated_at")
_EVENT_COLUMNS = ("instance_id", "run_id", "at", "event", "old_value", "new_value")


@dataclass(slots=True)  # not frozen: a frozen dataclass is made three times slower, and a tick makes one a finding
class Tracked:
    """A finding whose instance row is now up to date: what the planner works from (not to be changed).

    ``changed``: this tick inserted, updated or reopened the row (``False``: it already said the same);
    ``new``: this tick inserted it, so it has no history yet.
    """

    instance_id: int
    case: CaseRecord
    finding: Finding
    change_note: str | None
    changed: bool = True
    new: bool = False


def initials(case: CaseRecord) -> str:
    """"S.K." from the names, or "" when none are recorded: the most a channel or digest shows."""
    names = (case.given_name, case.family_name)
    return "".join(f"{name.strip()[0].upper()}." for name in names if name and name.strip())


def _stable(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (Python's own ``hash`` of a str is not)."""
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big", signed=True)


_CODES = {member: _stable(f"{type(member).__name__}:{member.value}") for kind in (Status, Role) for member in kind}
_OFFSET = 1 << 40  # keeps a stored number off -1, which Python hashes as -2
_NO_PRINT = 1 << 64  # beyond any fingerprint (a signed 64-bit number)
_ID = (1 << 32) - 1  # the id's bits in the open instances' packed values (ids are 32-bit integers)


def person_code(case: CaseRecord, initials_: str) -> int:
    """The case's part of its findings' fingerprints, made once per case: who is told, and how named."""
    return _stable(_SEPARATOR.join(_NONE if v is None else v
                                   for v in (case.adviser_email, case.manager_email, case.team, initials_)))


def fingerprint(person: int, f: Finding) -> int:
    """A signed 64-bit hash of everything the tick writes from this finding: the instance's values and what
    its due occurrence is made from (``person``: the case's part, ``person_code``).

    It must be the same in every process, as it is stored and compared by later ticks: Python randomises the
    hash of a str, bytes or date per process but not that of an int or of a tuple of ints, so every value
    goes in as an int (a date as its ordinal, None as 0, an enum as a stable hash of its value). A Python
    that hashed tuples differently would find every instance changed once, and rewrite it.
    """
    completed, anchor, escalated, stage = f.completed_on, f.anchor, f.escalated_to, f.stage
    return hash((_FINGERPRINT_VERSION, person, _CODES[f.status], f.due_date.toordinal(),
                 completed.toordinal() if completed else 0, _CODES[f.owner], _CODES[escalated] if escalated else 0,
                 _OFFSET + stage if stage is not None else 0, _OFFSET + f.working_days_overdue,
                 anchor.toordinal() if anchor else 0))


def _date(value: Any) -> str:
    return f"{value:%d %b %Y}"


class InstanceSync:
    """Applies one tick's findings to the instance table, batch by batch, on one connection.

    Made at the start of the tick (it reads the open instances then); ``apply`` each batch of valid cases
    in turn, then ``close_unseen`` once.
    """

    def __init__(self, connection: Connection, run_id: int, now: datetime) -> None:
        self.connection = connection
        self.run_id = run_id
        self.now = now
        self.closed = 0
        self.inserted = 0  # new instances this tick
        # Not yet reported this tick: the fingerprint and id in one int (fingerprint << 32 | id), 40 bytes, not
        # the 120 of a tuple of two; a row without a fingerprint gets one no finding can have (1 << 64).
        self.open: dict[Key, int] = {}
        self.notes: dict[int, str] = {}  # the open instances' change notes (few)
        self.flagged: set[str] = set()  # cases reported with bad data this tick
        self.cancels: list[Cancel] = []  # the items a batch's changes made stale, cancelled together
        # yield_per on the statement, not the connection: it streams this query only (a server-side cursor).
        query = select(_i.id, _i.case_ref, _i.obligation, _i.ref, _i.fingerprint, _i.change_note).where(
            _i.closed_at.is_(None)).execution_options(yield_per=_STREAM)
        intern = sys.intern  # a few obligation names, shared by every key
        for instance_id, case_ref, obligation, ref, print_, note in connection.execute(query):  # unpacked: faster
            packed = (_NO_PRINT if print_ is None else print_) << 32 | instance_id
            self.open[(case_ref, intern(obligation), ref)] = packed
            if note is not None:
                self.notes[instance_id] = note
        self.had = len(self.open)  # open instances when the tick started
        self.any_closed = bool(connection.execute(select(exists().where(_i.closed_at.is_not(None)))).scalar())

    def _values(self, seen: Seen) -> dict[str, Any]:
        case, f, print_, initials_ = seen
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
            "initials": initials_,
            "fingerprint": print_,
            "last_seen_run": self.run_id,
            "updated_at": self.now,
        }

    def _event(self, instance_id: int, event: str, old: object = None, new: object = None) -> tuple[Any, ...]:
        """An ``instance_event`` row, its values in the order of ``_EVENT_COLUMNS``."""
        return (instance_id, self.run_id, self.now, event, None if old is None else str(old),
                None if new is None else str(new))

    def apply(self, batch: Sequence[CaseResult]) -> list[Tracked]:
        """Bring the instances of a batch of valid cases up to date; return the tracked findings."""
        tracked: list[Tracked] = []
        changed: list[tuple[int, Seen]] = []  # open, with another fingerprint
        missing: dict[Key, Seen] = {}  # no open instance: closed, or new
        open_, notes = self.open, self.notes
        for result in batch:
            case = result.case
            if result.flagged:
                self.flagged.add(case.case_ref)
            initials_ = initials(case)
            person = person_code(case, initials_)
            for f in result.findings:
                key = (case.case_ref, f.obligation, f.ref or NO_REF)
                print_ = fingerprint(person, f)
                known = open_.pop(key, None)
                if known is None:
                    missing[key] = (case, f, print_, initials_)
                elif known >> 32 == print_:
                    instance_id = known & _ID
                    tracked.append(Tracked(instance_id, case, f, notes.get(instance_id), changed=False))
                else:
                    changed.append((known & _ID, (case, f, print_, initials_)))
        events: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        rows = self._rows([instance_id for instance_id, _seen in changed])
        tracked += [self._update(rows[instance_id], seen, updates, events) for instance_id, seen in changed]
        for row in self._closed_rows(missing):
            tracked.append(self._update(row, missing.pop((row.case_ref, row.obligation, row.ref)), updates, events))
        cancel_unsent_each(self.connection, self.cancels)
        self.cancels.clear()
        if updates:
            columns: dict[str, Any] = {name: bindparam(name) for name in updates[0] if name != "_id"}
            self.connection.execute(update(obligation_instance).where(_i.id == bindparam("_id")).values(columns),
                                    updates)
        tracked += self._insert(missing, events)
        insert_rows(self.connection, instance_event, _EVENT_COLUMNS, events)
        return tracked

    def _rows(self, ids: Sequence[int]) -> dict[int, Any]:
        """The stored values the events compare with, for open instances whose fingerprint differs."""
        rows: dict[int, Any] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            query = select(_i.id, _i.status, _i.due_date, _i.closed_at, _i.change_note).where(
                _i.id.in_(ids[start:start + _IN_CHUNK]))
            rows.update((row.id, row) for row in self.connection.execute(query))
        return rows

    def _closed_rows(self, missing: dict[Key, Any]) -> list[Any]:
        """The closed instances among ``missing`` (reported again: reopened); none to look for on a table
        that has never closed one, such as the first tick's."""
        if not self.any_closed or not missing:
            return []
        refs = sorted({key[0] for key in missing})
        found: list[Any] = []
        for start in range(0, len(refs), _IN_CHUNK):
            query = select(_i.id, _i.case_ref, _i.obligation, _i.ref, _i.status, _i.due_date, _i.closed_at,
                           _i.change_note).where(_i.case_ref.in_(refs[start:start + _IN_CHUNK]),
                                                 _i.closed_at.is_not(None))
            found += [row for row in self.connection.execute(query)
                      if (row.case_ref, row.obligation, row.ref) in missing]
        return found

    def _update(self, row: Any, seen: Seen, updates: list[dict[str, Any]], events: list[tuple[Any, ...]]) -> Tracked:
        case, f = seen[0], seen[1]
        note = self._changes(row, f, events)
        updates.append({**self._values(seen), "_id": row.id, "closed_at": None, "change_note": note})
        return Tracked(row.id, case, f, note)

    def _insert(self, new: dict[Key, Seen], events: list[tuple[Any, ...]]) -> list[Tracked]:
        """Insert the new instances (through ``bulk.insert_rows``: at first tick, every one)."""
        now, run_id = self.now, self.run_id
        rows = []
        for (case_ref, obligation, ref), (case, f, print_, initials_) in new.items():
            rows.append((case_ref, obligation, ref, f.status.value, f.due_date, f.completed_on, f.owner.value,
                         f.escalated_to.value if f.escalated_to else None, f.stage, f.working_days_overdue,
                         case.adviser_email, case.manager_email, case.team, initials_, print_, run_id, now, now))
        self.inserted += len(rows)
        tracked: list[Tracked] = []
        for instance_id, case_ref, obligation, ref in insert_rows(self.connection, obligation_instance,
                                                                  _INSERT_COLUMNS, rows, _KEY_COLUMNS):
            case, f = new[(case_ref, obligation, ref)][:2]
            events.append(self._event(instance_id, "first_seen", None, f.due_date))
            tracked.append(Tracked(instance_id, case, f, None, new=True))
        return tracked

    def _changes(self, row: Any, f: Finding, events: list[tuple[Any, ...]]) -> str | None:
        """Record what changed for a known instance and cancel what it made stale; return its change note."""
        note: str | None = row.change_note
        if row.closed_at is not None:
            events.append(self._event(row.id, "reopened"))
        if row.due_date != f.due_date:
            note = f"The due date moved from {_date(row.due_date)} to {_date(f.due_date)}."
            events.append(self._event(row.id, "due_date_changed", row.due_date, f.due_date))
            self.cancels.append((row.id, f"due date moved to {f.due_date}", f.due_date))
        if row.status != f.status.value:
            events.append(self._event(row.id, "status_changed", row.status, f.status.value))
            if f.status is Status.MET:
                self.cancels.append((row.id, "completed", None))
        return note

    def close_unseen(self, rejected: Iterable[str] = ()) -> list[int]:
        """Close the open instances not reported this tick (the case no longer reports them, or is gone from
        the source), except those of cases ``rejected`` or flagged for bad data; return their ids."""
        keep = self.flagged.union(rejected)
        ids = sorted(known & _ID for (case_ref, _o, _r), known in self.open.items()
                     if case_ref not in keep)
        self.open.clear()
        connection = self.connection
        for start in range(0, len(ids), _IN_CHUNK):
            connection.execute(update(obligation_instance).where(_i.id.in_(ids[start:start + _IN_CHUNK]))
                               .values(closed_at=self.now, updated_at=self.now, last_seen_run=self.run_id))
        insert_rows(connection, instance_event, _EVENT_COLUMNS, [self._event(n, "closed") for n in ids])
        cancel_unsent_each(connection, [(instance_id, "no longer applies", None) for instance_id in ids])
        self.closed += len(ids)
        return ids
